/// base64url without padding (RFC 4648 section 5), as JWTs use it.
public enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int(value >> UInt32(shift) & 63)]) }
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let value = UInt32(bytes[index]) << 16
            out.append(alphabet[Int(value >> 18 & 63)])
            out.append(alphabet[Int(value >> 12 & 63)])
        } else if rest == 2 {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out.append(alphabet[Int(value >> 18 & 63)])
            out.append(alphabet[Int(value >> 12 & 63)])
            out.append(alphabet[Int(value >> 6 & 63)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Nil for any character outside the alphabet, padding, or an impossible length.
    public static func decode(_ text: Substring) -> [UInt8]? {
        var values: [UInt32] = []
        values.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(UInt32(byte - 65))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(UInt32(byte - 71))
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(UInt32(byte + 4))
            case UInt8(ascii: "-"): values.append(62)
            case UInt8(ascii: "_"): values.append(63)
            default: return nil
            }
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index + 4 <= values.count {
            let value = values[index] << 18 | values[index + 1] << 12 | values[index + 2] << 6 | values[index + 3]
            out += [UInt8(value >> 16 & 255), UInt8(value >> 8 & 255), UInt8(value & 255)]
            index += 4
        }
        let rest = values.count - index
        if rest == 2 {
            let value = values[index] << 18 | values[index + 1] << 12
            out.append(UInt8(value >> 16 & 255))
        } else if rest == 3 {
            let value = values[index] << 18 | values[index + 1] << 12 | values[index + 2] << 6
            out += [UInt8(value >> 16 & 255), UInt8(value >> 8 & 255)]
        }
        return out
    }
}
