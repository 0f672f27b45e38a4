/// A JSON document written as UTF-8 bytes in place, for the answers on the
/// hot path (a hold's): building them from interpolated `String`s cost a
/// string per number and seven per timestamp, 6% of the server's CPU per
/// hold request. The caller writes the structure; this writes values.
public struct JSONBuffer {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    /// Structure and keys, written as they are.
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func integer<T: BinaryInteger>(_ value: T) { bytes.appendDecimal(Int64(value)) }

    public mutating func boolean(_ value: Bool) { value ? raw("true") : raw("false") }

    /// A quoted string (RFC 8259 section 7): quote, backslash and control
    /// characters escaped, everything else as it is. `JSONText.quoted` is this.
    public mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings (labels, ids, codes) need no escape: checked and
        // copied whole over their UTF-8 buffer (the generic UTF8View paths
        // were a few hundred instructions per label).
        var text = text
        let plain = text.withUTF8 { utf8 in
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if plain {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case UInt8(ascii: "\n"): raw("\\n")
            case UInt8(ascii: "\r"): raw("\\r")
            case UInt8(ascii: "\t"): raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)  // UTF-8 continuation and lead bytes pass through whole
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A quoted RFC 3339 UTC time, as `ISO8601.format` writes it: "2026-11-25T20:00:00Z".
    public mutating func timestamp(_ seconds: Int64) {
        bytes.append(UInt8(ascii: "\""))
        bytes.appendRFC3339(seconds)
        bytes.append(UInt8(ascii: "\""))
    }

    /// The same to the millisecond: "2026-11-25T20:00:00.042Z".
    public mutating func timestamp(milliseconds: Int64) {
        bytes.append(UInt8(ascii: "\""))
        bytes.appendRFC3339(milliseconds: milliseconds)
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
