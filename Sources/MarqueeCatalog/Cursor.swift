import Foundation
import MarqueeHTTP

/// An opaque keyset-paging cursor: the sort key and id of the last item of
/// a page. Pages stay stable while rows are added, unlike offsets.
struct Cursor: Equatable {
    let key: String
    let id: Int64

    var encoded: String {
        Data("\(id)\t\(key)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String?) throws(APIError) -> Cursor? {
        guard let text else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard text.count <= 1_000, let data = Data(base64Encoded: base64),
              let decoded = String(data: data, encoding: .utf8),
              let tab = decoded.firstIndex(of: "\t"),
              let id = Int64(decoded[..<tab]), id > 0
        else {
            throw APIError(.badRequest, code: "invalid_cursor", message: "The cursor is not one this API returned.")
        }
        return Cursor(key: String(decoded[decoded.index(after: tab)...]), id: id)
    }
}
