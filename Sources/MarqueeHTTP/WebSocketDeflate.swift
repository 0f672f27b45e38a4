import CZlib

/// permessage-deflate (RFC 7692): what an opening handshake agreed, and the
/// raw DEFLATE both ways.
///
/// The server always declares `server_no_context_takeover`: every message
/// it sends is compressed on its own, so one compressed delta serves every
/// watcher that agreed the same window, and one compressor per shard serves
/// all its connections (a compressor is about 256 KiB; one per watcher
/// would be gigabytes for a crowd).
public struct WebSocketDeflateParameters: Equatable, Sendable {
    /// The window our messages may use (the client's `server_max_window_bits`).
    public var serverMaxWindowBits = 15
    /// The client starts each message afresh (it offered `client_no_context_takeover`).
    public var clientNoContextTakeover = false

    public init(serverMaxWindowBits: Int = 15, clientNoContextTakeover: Bool = false) {
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientNoContextTakeover = clientNoContextTakeover
    }

    /// The first offer in a `Sec-WebSocket-Extensions` header this server can
    /// accept, or nil (the connection then goes on uncompressed). An offer
    /// with an unknown, repeated or malformed parameter is declined, as is
    /// `server_max_window_bits=8`, which zlib cannot produce.
    public static func negotiate(_ header: String) -> WebSocketDeflateParameters? {
        for offer in header.split(separator: ",") {
            let parts = offer.split(separator: ";").map(\.trimmingSpaces)
            guard parts.first?.lowercased() == "permessage-deflate" else { continue }
            if let accepted = accept(parts.dropFirst()) { return accepted }
        }
        return nil
    }

    private static func accept(_ parameters: ArraySlice<Substring>) -> WebSocketDeflateParameters? {
        var result = WebSocketDeflateParameters()
        var seen: Set<String> = []
        for parameter in parameters {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            let name = pair[0].trimmingSpaces.lowercased()
            var value = pair.count > 1 ? pair[1].trimmingSpaces : nil
            if let quoted = value, quoted.count >= 2, quoted.first == "\"", quoted.last == "\"" {
                value = quoted.dropFirst().dropLast()
            }
            guard seen.insert(name).inserted else { return nil }
            switch name {
            case "server_no_context_takeover":
                guard value == nil else { return nil }
            case "client_no_context_takeover":
                guard value == nil else { return nil }
                result.clientNoContextTakeover = true
            case "server_max_window_bits":
                guard let bits = windowBits(value), bits >= 9 else { return nil }
                result.serverMaxWindowBits = bits
            case "client_max_window_bits":
                // The client may use a smaller window; our inflater takes any.
                if value != nil && windowBits(value) == nil { return nil }
            default:
                return nil
            }
        }
        return result
    }

    private static func windowBits(_ value: Substring?) -> Int? {
        guard let value, value.utf8.count <= 2, let bits = HTTPSyntax.parseDecimal(value.utf8), (8...15).contains(bits) else { return nil }
        return bits
    }

    /// The `Sec-WebSocket-Extensions` value answering the accepted offer.
    public var responseHeader: String {
        var header = "permessage-deflate; server_no_context_takeover"
        if clientNoContextTakeover { header += "; client_no_context_takeover" }
        if serverMaxWindowBits < 15 { header += "; server_max_window_bits=\(serverMaxWindowBits)" }
        return header
    }
}

/// Compresses whole messages, each on its own (no context kept between
/// them). Not thread-safe: one per shard and window size.
public final class WebSocketDeflater {
    private var stream = z_stream()
    public let windowBits: Int

    /// Level 1: live messages are JSON, which compresses about as well
    /// at the fastest level, and a snapshot is compressed per watcher.
    public init(windowBits: Int = 15, level: Int32 = 1) {
        self.windowBits = windowBits
        let status = marquee_deflate_init_raw(&stream, level, Int32(windowBits))
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
    }

    deinit { deflateEnd(&stream) }

    /// The message's compressed payload, as a frame carries it: DEFLATE
    /// blocks flushed to a byte boundary, without the empty block's final
    /// 00 00 FF FF (RFC 7692 7.2.1).
    public func compress(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        // deflateBound covers a whole stream; a sync flush adds at most an
        // empty stored block (5 bytes) and the last block's header bits.
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(message.count))) + 16)
        var written = 0
        stream.next_in = UnsafeMutablePointer(mutating: message.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(message.count)
        while true {
            out.withUnsafeMutableBufferPointer { buffer in
                stream.next_out = buffer.baseAddress! + written
                stream.avail_out = uInt(buffer.count - written)
                _ = deflate(&stream, Z_SYNC_FLUSH)
                written = buffer.count - Int(stream.avail_out)
            }
            guard stream.avail_out == 0 else { break }
            out.append(contentsOf: repeatElement(0, count: out.count))  // not expected: the bound held
        }
        stream.next_in = nil
        deflateReset(&stream)
        out.removeLast(out.count - written)
        if out.count >= 4 && out.suffix(4).elementsEqual([0, 0, 0xFF, 0xFF]) { out.removeLast(4) }
        return out
    }

    public func compress(_ message: [UInt8]) -> [UInt8] { message.withUnsafeBytes { compress($0) } }
}

/// Decompresses a peer's messages, keeping the window between them unless
/// the peer agreed not to use it. The window (32 KiB) is allocated by zlib
/// on first use, so a connection that never sends a compressed message
/// costs only this object.
public final class WebSocketInflater {
    public enum Failure: Error, Equatable {
        /// More than the limit once decompressed (close with 1009).
        case tooBig
        /// Not valid DEFLATE data (close with 1007).
        case corrupt
    }

    private var stream = z_stream()
    private let resetsEachMessage: Bool

    public init(noContextTakeover: Bool) {
        resetsEachMessage = noContextTakeover
        let status = marquee_inflate_init_raw(&stream, 15)
        precondition(status == Z_OK, "inflateInit2 failed: \(status)")
    }

    deinit { inflateEnd(&stream) }

    /// One message's payload, decompressed, at most `limit` bytes of it.
    public func decompress(_ payload: [UInt8], limit: Int) -> Result<[UInt8], Failure> {
        var input = payload
        input.append(contentsOf: [0, 0, 0xFF, 0xFF])
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let result: Result<[UInt8], Failure> = input.withUnsafeMutableBufferPointer { input in
            stream.next_in = input.baseAddress
            stream.avail_in = uInt(input.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    let status = inflate(&stream, Z_SYNC_FLUSH)
                    out.append(contentsOf: buffer.prefix(buffer.count - Int(stream.avail_out)))
                    return status
                }
                if out.count > limit { return .failure(.tooBig) }
                switch status {
                case Z_STREAM_END:
                    // The peer ended its stream (a final block): the next message starts a new one.
                    inflateReset(&stream)
                    return .success(out)
                case Z_OK where stream.avail_in > 0 || stream.avail_out == 0:
                    continue
                case Z_OK, Z_BUF_ERROR:
                    // All input taken and flushed: the message is whole.
                    return stream.avail_in == 0 ? .success(out) : .failure(.corrupt)
                default:
                    return .failure(.corrupt)
                }
            }
        }
        stream.next_in = nil
        if case .failure = result {
            inflateReset(&stream)
        } else if resetsEachMessage {
            inflateReset(&stream)
        }
        return result
    }
}
