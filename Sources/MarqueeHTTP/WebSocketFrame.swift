/// RFC 6455 frames: opcodes, close codes, and the server's (unmasked)
/// frame encoding. The reading side is `WebSocketParser`.
public enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA

    var isControl: Bool { rawValue & 0x8 != 0 }
}

public enum WebSocketCloseCode {
    public static let normal: UInt16 = 1000
    public static let goingAway: UInt16 = 1001
    public static let protocolError: UInt16 = 1002
    public static let unsupportedData: UInt16 = 1003
    public static let invalidPayload: UInt16 = 1007
    public static let policyViolation: UInt16 = 1008
    public static let messageTooBig: UInt16 = 1009
    public static let internalError: UInt16 = 1011
    public static let tryAgainLater: UInt16 = 1013

    /// Codes a peer may send in a close frame (RFC 6455 7.4.1, 7.4.2).
    static func isValidReceived(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1011: return true
        case 3000...4999: return true
        default: return false
        }
    }
}

public enum WebSocketEncoder {
    /// One unfragmented server frame (servers never mask); `compressed`
    /// sets RSV1, for a payload from `WebSocketDeflater`.
    public static func frame(_ opcode: WebSocketOpcode, _ payload: UnsafeRawBufferPointer, compressed: Bool = false, into out: inout [UInt8]) {
        out.append(0x80 | (compressed ? 0x40 : 0) | opcode.rawValue)
        let count = payload.count
        if count < 126 {
            out.append(UInt8(count))
        } else if count <= 0xFFFF {
            out.append(126)
            out.append(UInt8(count >> 8))
            out.append(UInt8(count & 0xFF))
        } else {
            out.append(127)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((UInt64(count) >> UInt64(shift)) & 0xFF)) }
        }
        out.append(contentsOf: payload)
    }

    public static func frame(_ opcode: WebSocketOpcode, _ payload: [UInt8], compressed: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 10)
        payload.withUnsafeBytes { frame(opcode, $0, compressed: compressed, into: &out) }
        return out
    }

    public static func close(code: UInt16, reason: String = "") -> [UInt8] {
        var payload = [UInt8(code >> 8), UInt8(code & 0xFF)]
        payload.append(contentsOf: reason.utf8.prefix(123))
        return frame(.close, payload)
    }
}
