/// Why the bytes a server sent are not a response the client can use.
/// After any of them the parser yields nothing more and the connection is
/// not reused.
public enum HTTPResponseParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case headTooLarge
    case tooManyHeaders
    case bodyTooLarge
    /// A well-formed HTTP version other than 1.0 and 1.1.
    case versionNotSupported
    /// A transfer coding other than chunked alone: the body could not be decoded.
    case transferEncodingNotImplemented
    /// Bytes arrived while no request was waiting for a response.
    case unexpectedResponse
    /// The input ended with a request outstanding and no byte of its
    /// response received: on a reused connection, the server may have closed
    /// it just as the request left.
    case closedBeforeResponse
    /// The input ended in the middle of a response.
    case truncated

    /// The same failure from the parsing shared with the request parser.
    init(_ error: HTTPParseError) {
        switch error {
        case .malformed(let why): self = .malformed(why)
        case .headTooLarge: self = .headTooLarge
        case .tooManyHeaders: self = .tooManyHeaders
        case .bodyTooLarge: self = .bodyTooLarge
        case .versionNotSupported: self = .versionNotSupported
        case .transferEncodingNotImplemented: self = .transferEncodingNotImplemented
        // Only requests have expectations; the response parser never asks.
        case .expectationFailed: self = .malformed("unexpected expectation")
        }
    }

    /// A stable name for logs and metrics.
    public var code: String {
        switch self {
        case .malformed: return "malformed_response"
        case .headTooLarge: return "headers_too_large"
        case .tooManyHeaders: return "too_many_headers"
        case .bodyTooLarge: return "body_too_large"
        case .versionNotSupported: return "http_version_not_supported"
        case .transferEncodingNotImplemented: return "transfer_encoding_not_implemented"
        case .unexpectedResponse: return "unexpected_response"
        case .closedBeforeResponse: return "closed_before_response"
        case .truncated: return "truncated_response"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let why): return "malformed response: \(why)"
        case .headTooLarge: return "the status line and headers exceed the size limit"
        case .tooManyHeaders: return "the response has more header fields than allowed"
        case .bodyTooLarge: return "the response body exceeds the size limit"
        case .versionNotSupported: return "only HTTP/1.0 and HTTP/1.1 responses are understood"
        case .transferEncodingNotImplemented: return "only the chunked transfer coding is understood"
        case .unexpectedResponse: return "bytes arrived with no request outstanding"
        case .closedBeforeResponse: return "the connection closed before the response began"
        case .truncated: return "the connection closed in the middle of the response"
        }
    }
}
