/// A response a handler completes: status, extra header fields, body.
/// `Date`, `Content-Length` and `Connection` are added by the encoder.
public struct HTTPResponse: Sendable {
    public struct Field: Sendable, Equatable {
        public let name: String
        public let value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var status: HTTPStatus
    public var contentType: String?
    public var headers: [Field]
    public var body: [UInt8]

    public init(status: HTTPStatus, contentType: String? = nil, headers: [Field] = [], body: [UInt8] = []) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    public static func json(_ status: HTTPStatus, _ body: [UInt8], headers: [Field] = []) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", headers: headers, body: body)
    }

    public static func json(_ status: HTTPStatus, _ body: String, headers: [Field] = []) -> HTTPResponse {
        json(status, Array(body.utf8), headers: headers)
    }

    public static func text(_ status: HTTPStatus, _ body: String, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, contentType: contentType, body: Array(body.utf8))
    }

    /// The one error shape: `{"error":{"code":"...","message":"..."}}`.
    public static func error(_ error: APIError) -> HTTPResponse {
        json(error.status, error.jsonBody(), headers: error.headers)
    }
}
