/// A request's query string, decoded (`+` is a space, then percent-decoding),
/// with the checks every list endpoint shares: only known names, each once.
public struct QueryParameters: Sendable {
    public private(set) var pairs: [(name: String, value: String)] = []

    /// Nil when an escape is malformed.
    public init?(_ query: Substring?) {
        guard let query, !query.isEmpty else { return }
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]),
                  let value = Self.decode(parts.count > 1 ? parts[1] : "") else { return nil }
            pairs.append((name, value))
        }
    }

    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Throws 400 `unknown_parameter` or `duplicate_parameter`.
    public func validate(allowed: Set<String>) throws(APIError) {
        var seen = Set<String>()
        for (name, _) in pairs {
            guard allowed.contains(name) else {
                throw APIError(.badRequest, code: "unknown_parameter",
                               message: "Unknown query parameter '\(name)'. Allowed: \(allowed.sorted().joined(separator: ", ")).",
                               detailsJSON: "\"parameter\":\(JSONText.quoted(name))")
            }
            guard seen.insert(name).inserted else {
                throw APIError(.badRequest, code: "duplicate_parameter", message: "Query parameter '\(name)' given more than once.",
                               detailsJSON: "\"parameter\":\(JSONText.quoted(name))")
            }
        }
    }

    /// A non-empty value, or nil when absent; an empty value is a 400.
    public func text(_ name: String, maxLength: Int = 200) throws(APIError) -> String? {
        guard let value = self[name] else { return nil }
        guard !value.isEmpty, value.count <= maxLength else {
            throw APIError(.badRequest, code: "invalid_parameter",
                           message: "Query parameter '\(name)' must be 1 to \(maxLength) characters.",
                           detailsJSON: "\"parameter\":\(JSONText.quoted(name))")
        }
        return value
    }

    /// A positive id, or nil when absent.
    public func id(_ name: String) throws(APIError) -> Int64? {
        guard let value = self[name] else { return nil }
        guard let id = PathParameters.parseID(value) else {
            throw APIError(.badRequest, code: "invalid_parameter", message: "Query parameter '\(name)' must be a positive integer id.",
                           detailsJSON: "\"parameter\":\(JSONText.quoted(name))")
        }
        return id
    }

    /// `limit`: default when absent, clamped to `1...maximum`; not a number is a 400.
    public func limit(default defaultValue: Int = 20, maximum: Int = 100) throws(APIError) -> Int {
        guard let value = self["limit"] else { return defaultValue }
        guard let number = Int(value) else {
            throw APIError(.badRequest, code: "invalid_parameter", message: "Query parameter 'limit' must be an integer.",
                           detailsJSON: "\"parameter\":\"limit\"")
        }
        return min(max(number, 1), maximum)
    }

    static func decode(_ text: Substring) -> String? {
        guard text.utf8.contains(UInt8(ascii: "+")) else { return PathParameters.percentDecode(text) }
        return PathParameters.percentDecode(Substring(text.replacingPlus()))
    }
}

extension Substring {
    fileprivate func replacingPlus() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }
}
