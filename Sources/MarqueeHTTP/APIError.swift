/// An error as the client sees it: status, a stable machine-readable code,
/// a human message, optional details. Every error response has this shape:
/// `{"error":{"code":"...","message":"...","details":{...}}}`.
public struct APIError: Error, Sendable, Equatable {
    public var status: HTTPStatus
    public var code: String
    public var message: String
    /// Extra JSON members for `details`, already encoded (e.g. `"seats":["F7"]`).
    public var detailsJSON: String?
    public var headers: [HTTPResponse.Field]

    public init(_ status: HTTPStatus, code: String, message: String, detailsJSON: String? = nil,
                headers: [HTTPResponse.Field] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.detailsJSON = detailsJSON
        self.headers = headers
    }

    public func jsonBody() -> String {
        var body = "{\"error\":{\"code\":\(JSONText.quoted(code)),\"message\":\(JSONText.quoted(message))"
        if let detailsJSON { body += ",\"details\":{\(detailsJSON)}" }
        body += "}}"
        return body
    }

    public init(_ parseError: HTTPParseError) {
        self.init(parseError.status, code: parseError.code, message: parseError.message)
    }

    public static func notFound(_ message: String = "No such resource.") -> APIError {
        APIError(.notFound, code: "not_found", message: message)
    }

    public static func methodNotAllowed(_ allowed: [HTTPMethod]) -> APIError {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(.methodNotAllowed, code: "method_not_allowed",
                        message: "This resource supports: \(allow).",
                        headers: [HTTPResponse.Field(name: "Allow", value: allow)])
    }

    public static func invalidPathParameter(_ name: String, _ value: String, expected: String) -> APIError {
        APIError(.badRequest, code: "invalid_path_parameter",
                 message: "Path parameter '\(name)' must be \(expected).",
                 detailsJSON: "\"parameter\":\(JSONText.quoted(name)),\"value\":\(JSONText.quoted(value))")
    }
}
