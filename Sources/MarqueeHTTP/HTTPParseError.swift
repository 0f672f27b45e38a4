/// Why a request could not be parsed. Each maps to the status and stable
/// error code the client receives; the connection closes after it.
public enum HTTPParseError: Error, Sendable, Equatable {
    case malformed(String)
    case headTooLarge
    case tooManyHeaders
    case bodyTooLarge
    case versionNotSupported
    case transferEncodingNotImplemented
    case expectationFailed

    public var status: HTTPStatus {
        switch self {
        case .malformed: return .badRequest
        case .headTooLarge, .tooManyHeaders: return .requestHeaderFieldsTooLarge
        case .bodyTooLarge: return .payloadTooLarge
        case .versionNotSupported: return .httpVersionNotSupported
        case .transferEncodingNotImplemented: return .notImplemented
        case .expectationFailed: return .expectationFailed
        }
    }

    public var code: String {
        switch self {
        case .malformed: return "malformed_request"
        case .headTooLarge: return "headers_too_large"
        case .tooManyHeaders: return "too_many_headers"
        case .bodyTooLarge: return "body_too_large"
        case .versionNotSupported: return "http_version_not_supported"
        case .transferEncodingNotImplemented: return "transfer_encoding_not_implemented"
        case .expectationFailed: return "expectation_failed"
        }
    }

    public var message: String {
        switch self {
        case .malformed(let why): return "Malformed request: \(why)."
        case .headTooLarge: return "The request line and headers exceed the size limit."
        case .tooManyHeaders: return "The request has more header fields than allowed."
        case .bodyTooLarge: return "The request body exceeds the size limit."
        case .versionNotSupported: return "Only HTTP/1.0 and HTTP/1.1 are supported."
        case .transferEncodingNotImplemented: return "Only the chunked transfer coding is supported."
        case .expectationFailed: return "Only the 100-continue expectation is supported."
        }
    }
}
