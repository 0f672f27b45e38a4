/// An incremental RFC 6455 reader for the server side: bytes in, events
/// out, any split. Client frames must be masked; control frames may come
/// between the fragments of a message; text is checked to be UTF-8 as it
/// arrives (a bad sequence fails at once, also across fragments). Limits on
/// frame and message size end the connection with 1009; protocol errors
/// with 1002, bad UTF-8 with 1007.
///
/// With permessage-deflate agreed (`acceptCompression`), a message whose
/// first frame has RSV1 set is compressed: it is decompressed when whole
/// (the limit then applies to its decompressed size too) and its text
/// checked after that; RSV1 anywhere else is still a protocol error.
public struct WebSocketParser {
    public enum Event: Equatable {
        case text([UInt8])
        case binary([UInt8])
        case ping([UInt8])
        case pong([UInt8])
        /// The peer closes: its code (nil when the frame had none) and reason.
        case close(code: UInt16?, reason: [UInt8])
        /// Close with this code and stop reading.
        case failure(code: UInt16, reason: String)
    }

    public let maxFrameBytes: Int
    public let maxMessageBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var message: [UInt8] = []
    private var messageOpcode: WebSocketOpcode?
    private var messageCompressed = false
    private var utf8 = UTF8Validator()
    private var failed = false
    /// permessage-deflate agreed; and whether the peer starts each message afresh.
    private var acceptsCompressed = false
    private var peerResetsContext = false
    /// Made for the first compressed message: zlib's state is about 7 KiB,
    /// and a watcher may never send one.
    private var inflater: WebSocketInflater?

    public init(maxFrameBytes: Int = 64 * 1024, maxMessageBytes: Int = 256 * 1024) {
        self.maxFrameBytes = maxFrameBytes
        self.maxMessageBytes = maxMessageBytes
    }

    /// Accepts compressed messages from now on (permessage-deflate agreed).
    public mutating func acceptCompression(noContextTakeover: Bool) {
        acceptsCompressed = true
        peerResetsContext = noContextTakeover
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    /// The next event, or nil when more bytes are needed. After a failure
    /// or a close it returns nil forever.
    public mutating func next() -> Event? {
        guard !failed else { return nil }
        while true {
            let available = buffer.count - start
            guard available >= 2 else { return nil }
            let first = buffer[start], second = buffer[start + 1]
            let fin = first & 0x80 != 0
            guard first & 0x30 == 0 else { return fail(WebSocketCloseCode.protocolError, "reserved bits set") }
            guard let opcode = WebSocketOpcode(rawValue: first & 0x0F) else { return fail(WebSocketCloseCode.protocolError, "unknown opcode") }
            let compressed = first & 0x40 != 0
            if compressed {
                // RSV1 marks a compressed message on its first frame only.
                guard acceptsCompressed, opcode == .text || opcode == .binary else {
                    return fail(WebSocketCloseCode.protocolError, "reserved bits set")
                }
            }
            guard second & 0x80 != 0 else { return fail(WebSocketCloseCode.protocolError, "client frames must be masked") }
            var length = UInt64(second & 0x7F)
            var headerCount = 2
            if length == 126 {
                guard available >= 4 else { return nil }
                length = UInt64(buffer[start + 2]) << 8 | UInt64(buffer[start + 3])
                headerCount = 4
            } else if length == 127 {
                guard available >= 10 else { return nil }
                length = 0
                for index in 0..<8 { length = length << 8 | UInt64(buffer[start + 2 + index]) }
                guard length >> 63 == 0 else { return fail(WebSocketCloseCode.protocolError, "length with the high bit set") }
                headerCount = 10
            }
            if opcode.isControl {
                guard fin else { return fail(WebSocketCloseCode.protocolError, "fragmented control frame") }
                guard length <= 125 else { return fail(WebSocketCloseCode.protocolError, "control frame over 125 bytes") }
            } else {
                guard length <= UInt64(maxFrameBytes) else { return fail(WebSocketCloseCode.messageTooBig, "frame too big") }
                if opcode == .continuation {
                    guard messageOpcode != nil else { return fail(WebSocketCloseCode.protocolError, "continuation without a message") }
                } else {
                    guard messageOpcode == nil else { return fail(WebSocketCloseCode.protocolError, "new message before the last one ended") }
                }
                guard message.count + Int(length) <= maxMessageBytes else { return fail(WebSocketCloseCode.messageTooBig, "message too big") }
            }
            let total = headerCount + 4 + Int(length)
            guard available >= total else { return nil }
            let mask = (buffer[start + headerCount], buffer[start + headerCount + 1], buffer[start + headerCount + 2], buffer[start + headerCount + 3])
            let payloadStart = start + headerCount + 4
            var payload = [UInt8](repeating: 0, count: Int(length))
            for index in 0..<Int(length) {
                let key: UInt8
                switch index & 3 {
                case 0: key = mask.0
                case 1: key = mask.1
                case 2: key = mask.2
                default: key = mask.3
                }
                payload[index] = buffer[payloadStart + index] ^ key
            }
            start += total
            switch opcode {
            case .ping: return .ping(payload)
            case .pong: return .pong(payload)
            case .close:
                failed = true  // nothing after a close is read
                if payload.isEmpty { return .close(code: nil, reason: []) }
                guard payload.count >= 2 else { return fail(WebSocketCloseCode.protocolError, "close payload of one byte") }
                let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
                guard WebSocketCloseCode.isValidReceived(code) else { return fail(WebSocketCloseCode.protocolError, "invalid close code") }
                var validator = UTF8Validator()
                guard validator.feed(payload[2...]), validator.isComplete else {
                    return fail(WebSocketCloseCode.invalidPayload, "close reason is not UTF-8")
                }
                return .close(code: code, reason: Array(payload[2...]))
            case .text, .binary, .continuation:
                if opcode != .continuation {
                    messageOpcode = opcode
                    messageCompressed = compressed
                    utf8 = UTF8Validator()
                }
                if messageOpcode == .text, !messageCompressed, !utf8.feed(payload[...]) {
                    return fail(WebSocketCloseCode.invalidPayload, "text is not UTF-8")
                }
                message.append(contentsOf: payload)
                guard fin else { continue }
                let kind = messageOpcode!
                var complete = message
                message = []
                messageOpcode = nil
                if messageCompressed {
                    let inflater = self.inflater ?? WebSocketInflater(noContextTakeover: peerResetsContext)
                    self.inflater = inflater
                    switch inflater.decompress(complete, limit: maxMessageBytes) {
                    case .success(let inflated): complete = inflated
                    case .failure(.tooBig): return fail(WebSocketCloseCode.messageTooBig, "message too big")
                    case .failure(.corrupt): return fail(WebSocketCloseCode.invalidPayload, "compressed data is not valid DEFLATE")
                    }
                    if kind == .text, !utf8.feed(complete[...]) {
                        return fail(WebSocketCloseCode.invalidPayload, "text is not UTF-8")
                    }
                }
                if kind == .text {
                    guard utf8.isComplete else { return fail(WebSocketCloseCode.invalidPayload, "text ends inside a character") }
                    return .text(complete)
                }
                return .binary(complete)
            }
        }
    }

    private mutating func fail(_ code: UInt16, _ reason: String) -> Event {
        failed = true
        return .failure(code: code, reason: reason)
    }
}

/// Incremental UTF-8 validation (RFC 3629: no overlongs, no surrogates,
/// nothing past U+10FFFF), so a bad byte fails as soon as it arrives.
struct UTF8Validator {
    private var needed = 0
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    var isComplete: Bool { needed == 0 }

    mutating func feed(_ bytes: ArraySlice<UInt8>) -> Bool {
        for byte in bytes {
            if needed == 0 {
                switch byte {
                case 0x00...0x7F: continue
                case 0xC2...0xDF: needed = 1
                case 0xE0: needed = 2; lower = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: needed = 2
                case 0xED: needed = 2; upper = 0x9F
                case 0xF0: needed = 3; lower = 0x90
                case 0xF1...0xF3: needed = 3
                case 0xF4: needed = 3; upper = 0x8F
                default: return false
                }
            } else {
                guard byte >= lower && byte <= upper else { return false }
                lower = 0x80
                upper = 0xBF
                needed -= 1
            }
        }
        return true
    }
}
