import Glibc

/// A blocking WebSocket client for tests over TestClient: the upgrade,
/// masked client frames, and the server's frames read one by one.
public final class TestWebSocket: @unchecked Sendable {
    // @unchecked: each instance is used by one thread at a time.
    public let client: TestClient

    public struct Frame: Equatable {
        public let fin: Bool
        /// RSV1: a compressed message's first frame (permessage-deflate).
        public let compressed: Bool
        public let opcode: UInt8
        public let payload: [UInt8]
        public var text: String { String(decoding: payload, as: UTF8.self) }
        public init(fin: Bool, compressed: Bool = false, opcode: UInt8, payload: [UInt8]) {
            self.fin = fin
            self.compressed = compressed
            self.opcode = opcode
            self.payload = payload
        }
        public var closeCode: UInt16? { opcode == 8 && payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil }
    }

    /// The server's Sec-WebSocket-Extensions answer, if any.
    public private(set) var extensions: String?

    /// Connects and upgrades; throws unless the answer is 101.
    public init(port: Int, path: String, headers: String = "", timeoutSeconds: Int = 5, receiveBufferBytes: Int? = nil) throws {
        client = try TestClient(port: port, timeoutSeconds: timeoutSeconds, receiveBufferBytes: receiveBufferBytes)
        try client.send("GET \(path) HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\(headers)\r\n")
        let response = try client.readResponse(forHead: true)
        guard response.status == 101, response.headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" else {
            throw TestClient.Failure("upgrade refused: \(response)")
        }
        extensions = response.headers["sec-websocket-extensions"]
    }

    /// A client frame, masked as clients must.
    public static func frame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true, compressed: Bool = false,
                             mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]) -> [UInt8] {
        var out: [UInt8] = [(fin ? 0x80 : 0) | (compressed ? 0x40 : 0) | opcode]
        if payload.count < 126 {
            out.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            out += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            out.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((payload.count >> shift) & 0xFF)) }
        }
        out += mask
        for (index, byte) in payload.enumerated() { out.append(byte ^ mask[index % 4]) }
        return out
    }

    public func send(text: String) throws { try client.send(Self.frame(opcode: 1, Array(text.utf8))) }
    public func send(raw: [UInt8]) throws { try client.send(raw) }

    /// The next server frame.
    public func read() throws -> Frame {
        let head = try client.readRaw(count: 2)
        var length = Int(head[1] & 0x7F)
        if length == 126 {
            let extended = try client.readRaw(count: 2)
            length = Int(extended[0]) << 8 | Int(extended[1])
        } else if length == 127 {
            length = try client.readRaw(count: 8).reduce(0) { $0 << 8 | Int($1) }
        }
        let payload = length > 0 ? try client.readRaw(count: length) : []
        return Frame(fin: head[0] & 0x80 != 0, compressed: head[0] & 0x40 != 0, opcode: head[0] & 0x0F, payload: payload)
    }

    /// The next text message, skipping pings.
    public func readText() throws -> String {
        while true {
            let frame = try read()
            if frame.opcode == 1 { return frame.text }
            if frame.opcode == 8 { throw TestClient.Failure("closed: \(frame.closeCode ?? 0) \(String(decoding: frame.payload.dropFirst(2), as: UTF8.self))") }
        }
    }
}
