import MarqueeHTTP

/// A request to send: the method, an absolute `http://` or `https://` URL
/// ("https://host[:port]/path?query"), header fields and a body. `Host` and
/// `Content-Length` are added by the client (a `Host` given here wins).
public struct HTTPClientRequest: Sendable {
    public var method: HTTPMethod
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// This request's response timeout, from sent to answered whole; nil:
    /// the client's `readTimeoutMilliseconds`.
    public var readTimeoutMilliseconds: UInt64?

    public init(method: HTTPMethod, url: String, headers: [(String, String)] = [], body: [UInt8] = [],
                readTimeoutMilliseconds: UInt64? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.readTimeoutMilliseconds = readTimeoutMilliseconds
    }

    /// Whether the request may be sent again after a connection dropped it
    /// unanswered: an idempotent method (RFC 9110 9.2.2), or a request that
    /// carries an `Idempotency-Key` the server deduplicates on.
    var isReplayable: Bool {
        switch method {
        case .GET, .HEAD, .PUT, .DELETE, .OPTIONS: return true
        default: return headers.contains { $0.0.lowercased() == "idempotency-key" }
        }
    }
}

/// A whole response: the status, the header fields in arrival order (names
/// lower case) and the decoded body.
public struct HTTPClientResponse: Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public let body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the field `name`, compared without case.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0 == wanted }?.1
    }
}

/// Why a request got no response. Each carries a reason for the log.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not an absolute http or https URL the client can use.
    case invalidURL(String)
    /// A header field name or value that cannot be sent as is.
    case invalidRequest(String)
    /// The host name gave no address.
    case resolve(String)
    /// No address accepted the connection.
    case connect(String)
    /// The TLS handshake refused the server (certificate, host name,
    /// version), with OpenSSL's reason.
    case tls(String)
    /// Which phase ran out of time: "connect", "TLS handshake" or "response".
    case timeout(String)
    /// The connection ended before the whole response arrived. With
    /// `requestSent` false no byte of the request left: safe to retry
    /// without an idempotency key.
    case connectionClosed(requestSent: Bool)
    /// Bytes that are not a usable response (or a body over the bound).
    case invalidResponse(String)
    /// The client was shut down before the request could be sent.
    case shutdown

    public var description: String {
        switch self {
        case .invalidURL(let why): return "invalid URL: \(why)"
        case .invalidRequest(let why): return "invalid request: \(why)"
        case .resolve(let why): return why
        case .connect(let why): return why
        case .tls(let why): return why
        case .timeout(let phase): return "timed out waiting for the \(phase)"
        case .connectionClosed(let sent):
            return sent ? "the connection closed before the whole response arrived"
                : "the connection closed before the request was sent"
        case .invalidResponse(let why): return "invalid response: \(why)"
        case .shutdown: return "the HTTP client was shut down"
        }
    }
}
