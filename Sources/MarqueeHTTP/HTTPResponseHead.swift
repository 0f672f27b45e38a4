/// A parsed response head: what a client reads.
public struct HTTPResponseHead: Sendable {
    public var version: HTTPVersion
    /// The three-digit status code, 100 to 599.
    public var statusCode: Int
    /// The reason phrase as sent (possibly empty); a client should not act on it.
    public var reasonPhrase: String
    public var headers: HTTPHeaders
    /// Whether the connection may carry another request after this
    /// response: HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with
    /// `keep-alive`, and never when the body ran to the connection's close.
    public var keepAlive: Bool

    /// 100 to 199: an interim response (101 switches protocols and is final).
    public var isInformational: Bool { statusCode < 200 }
}

/// A whole response: head, decoded body, and trailer fields (a chunked
/// body's; empty otherwise).
public struct HTTPReceivedResponse: Sendable {
    public var head: HTTPResponseHead
    public var body: [UInt8]
    public var trailers: HTTPHeaders

    public init(head: HTTPResponseHead, body: [UInt8], trailers: HTTPHeaders = HTTPHeaders()) {
        self.head = head
        self.body = body
        self.trailers = trailers
    }
}
