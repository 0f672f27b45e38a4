import Foundation
import MarqueeHTTP

/// A JSON object request body with typed, validated field access. Every
/// problem is a 400 (or 415) naming the field, so a client can fix its
/// request without guessing.
public struct JSONBody {
    public let object: [String: Any]

    public init(_ request: HTTPRequest, allowed: Set<String>) throws(APIError) {
        if let type = request.head.headers["content-type"],
           !type.lowercased().hasPrefix("application/json") {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                           message: "Send the body as application/json.")
        }
        guard !request.body.isEmpty else {
            throw APIError(.badRequest, code: "invalid_json", message: "The request needs a JSON object body.")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(request.body), options: [])
        } catch {
            throw APIError(.badRequest, code: "invalid_json", message: "The body is not valid JSON.")
        }
        guard let object = parsed as? [String: Any] else {
            throw APIError(.badRequest, code: "invalid_json", message: "The body must be a JSON object.")
        }
        for key in object.keys where !allowed.contains(key) {
            throw APIError(.badRequest, code: "unknown_field", message: "Unknown field '\(key)'.",
                           detailsJSON: "\"field\":\(JSONText.quoted(key))")
        }
        self.object = object
    }

    /// JSON `true`/`false` arrive as NSNumber too; their type code is `c`.

    /// A nested object (e.g. one element of an array field), unchecked keys.
    public init(object: [String: Any]) throws(APIError) {
        self.object = object
    }

    /// The integer a JSON number holds exactly: integers keep all 64 bits
    /// (a double would round ids past 2^53); `1.0` counts, `1.5` and
    /// booleans do not.
    public static func exactInteger(_ number: NSNumber) -> Int64? {
        switch String(cString: number.objCType) {
        case "c": return nil
        case "d", "f":
            let value = number.doubleValue
            return value == value.rounded() ? Int64(exactly: value) : nil
        case "Q": return number.uint64Value <= UInt64(Int64.max) ? Int64(number.uint64Value) : nil
        default: return number.int64Value
        }
    }

    public func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }

    public static func invalid(_ field: String, _ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_field", message: "'\(field)' \(message).",
                 detailsJSON: "\"field\":\(JSONText.quoted(field))")
    }

    /// Absent is nil; an explicit JSON null is a 400 (no field is nullable).
    func present(_ key: String, required: Bool) throws(APIError) -> Any? {
        guard let value = object[key] else {
            if required { throw Self.invalid(key, "is required") }
            return nil
        }
        if value is NSNull { throw Self.invalid(key, "must not be null") }
        return value
    }

    public func string(_ key: String, required: Bool = false, maxLength: Int = 300, allowEmpty: Bool = false) throws(APIError) -> String? {
        guard let value = try present(key, required: required) else { return nil }
        guard let text = value as? String else { throw Self.invalid(key, "must be a string") }
        // Control characters (NUL above all, which PostgreSQL text refuses)
        // have no place in catalog text; tab and newline only in long text.
        let allowsLayout = maxLength > 1_000
        if text.unicodeScalars.contains(where: { $0.value < 0x20 && !(allowsLayout && ($0 == "\n" || $0 == "\t" || $0 == "\r")) || $0.value == 0x7f }) {
            throw Self.invalid(key, "must not contain control characters")
        }
        let trimmedText = Self.trimmed(text)
        guard allowEmpty || !trimmedText.isEmpty else { throw Self.invalid(key, "must not be empty") }
        // Code points, as PostgreSQL's length() counts them in the columns'
        // checks: a letter with hundreds of combining marks is one Swift
        // Character, and would pass here only to fail the insert.
        guard text.unicodeScalars.count <= maxLength else { throw Self.invalid(key, "must be at most \(maxLength) characters") }
        return allowEmpty ? text : trimmedText
    }

    /// `text` without surrounding white space. Most values begin and end
    /// with a visible ASCII character, and Foundation's trimming is slow on
    /// Linux (it shows in profiles of checkout), so it only runs
    /// otherwise (its set has more than Unicode's White_Space, e.g. U+200B).
    static func trimmed(_ text: String) -> String {
        let visibleASCII: ClosedRange<UInt8> = 0x21...0x7E
        if let first = text.utf8.first, let last = text.utf8.last, visibleASCII.contains(first), visibleASCII.contains(last) {
            return text
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func integer(_ key: String, required: Bool = false, range: ClosedRange<Int64>) throws(APIError) -> Int64? {
        guard let value = try present(key, required: required) else { return nil }
        guard let number = value as? NSNumber, let integer = Self.exactInteger(number), range.contains(integer) else {
            throw Self.invalid(key, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return integer
    }

    public func idArray(_ key: String, maxCount: Int = 100) throws(APIError) -> [Int64]? {
        guard let value = try present(key, required: false) else { return nil }
        guard let array = value as? [Any], array.count <= maxCount else {
            throw Self.invalid(key, "must be an array of at most \(maxCount) ids")
        }
        var ids: [Int64] = []
        for item in array {
            guard let number = item as? NSNumber, let id = Self.exactInteger(number), id > 0 else {
                throw Self.invalid(key, "must contain positive integer ids")
            }
            ids.append(id)
        }
        guard Set(ids).count == ids.count else { throw Self.invalid(key, "must not repeat an id") }
        return ids
    }

    /// An RFC 3339 date-time with zone, as Unix seconds.
    public func dateTime(_ key: String, required: Bool = false) throws(APIError) -> Int64? {
        guard let text = try string(key, required: required, maxLength: 40) else { return nil }
        guard text.count > 10, let seconds = ISO8601.parse(text) else {
            throw Self.invalid(key, "must be a date-time with a zone, like 2026-12-01T18:30:00Z")
        }
        return seconds
    }

    /// `YYYY-MM-DD`.
    public func date(_ key: String) throws(APIError) -> String? {
        guard let text = try string(key, maxLength: 10) else { return nil }
        guard text.count == 10, ISO8601.parse(text) != nil else { throw Self.invalid(key, "must be a date like 2026-12-01") }
        return text
    }

    /// A nested value re-encoded as JSON text (for jsonb columns).
    public func json(_ key: String) -> String? {
        guard let value = object[key], !(value is NSNull),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
