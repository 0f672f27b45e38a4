/// A parsed request head: what the router and handlers read.
public struct HTTPRequestHead: Sendable {
    public var method: HTTPMethod
    /// The request target as sent (origin form: path plus query).
    public var target: String
    /// The target up to `?`, still percent-encoded.
    public var path: Substring {
        // The target is ASCII (the parser checked), so a UTF-8 index is a
        // valid String index: no Character segmentation on the hot path.
        target[..<(target.utf8.firstIndex(of: UInt8(ascii: "?")) ?? target.endIndex)]
    }
    /// The text after `?`, if any, still percent-encoded.
    public var query: Substring? {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        return target[target.utf8.index(after: mark)...]
    }
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// Whether the connection stays open after the response
    /// (HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `keep-alive`).
    public var keepAlive: Bool
    /// `Expect: 100-continue` with a body to come.
    public var expectsContinue: Bool
}

/// A whole request: head and (de-chunked) body.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: [UInt8]

    public init(head: HTTPRequestHead, body: [UInt8]) {
        self.head = head
        self.body = body
    }
}
