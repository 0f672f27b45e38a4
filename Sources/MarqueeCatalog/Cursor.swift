import MarqueeCrypto
import MarqueeHTTP

/// An opaque keyset-paging cursor: the sort key and id of the last item of
/// a page. Pages stay stable while rows are added, unlike offsets.
struct Cursor: Equatable {
    let key: String
    let id: Int64

    var encoded: String {
        Base64URL.encode(Array("\(id)\t\(key)".utf8))
    }

    static func decode(_ text: String?) throws(APIError) -> Cursor? {
        guard let text else { return nil }
        guard text.count <= 1_000, let bytes = Base64URL.decode(Substring(text)),
              let decoded = String(validating: bytes, as: UTF8.self),
              let tab = decoded.firstIndex(of: "\t"),
              let id = Int64(decoded[..<tab]), id > 0
        else {
            throw APIError(.badRequest, code: "invalid_cursor", message: "The cursor is not one this API returned.")
        }
        return Cursor(key: String(decoded[decoded.index(after: tab)...]), id: id)
    }
}
