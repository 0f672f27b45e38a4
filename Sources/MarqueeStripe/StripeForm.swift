/// `application/x-www-form-urlencoded` bodies as Stripe's API takes them:
/// nested values in bracket syntax (`metadata[hold]=...`), every byte but
/// the unreserved ones percent-encoded (brackets too, as Stripe's own
/// libraries send them).
enum StripeForm {
    static func encode(_ fields: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (index, (name, value)) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            escape(name, into: &out)
            out.append(UInt8(ascii: "="))
            escape(value, into: &out)
        }
        return out
    }

    /// `metadata[key]=value` fields, sorted by key: the same metadata gives
    /// the same body, which an idempotent retry needs (Stripe compares the
    /// parameters of requests that share a key).
    static func metadata(_ metadata: [String: String]) -> [(String, String)] {
        metadata.sorted { $0.key < $1.key }.map { ("metadata[\($0.key)]", $0.value) }
    }

    private static let hex = Array("0123456789ABCDEF".utf8)

    /// `text` percent-encoded for a path segment or a form field.
    static func escaped(_ text: String) -> String {
        var out: [UInt8] = []
        escape(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func escape(_ text: String, into out: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
    }
}
