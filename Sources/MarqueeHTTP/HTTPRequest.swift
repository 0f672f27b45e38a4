import Glibc

/// A parsed request head: what the router and handlers read.
public struct HTTPRequestHead: Sendable {
    public var method: HTTPMethod
    /// The request target as sent (origin form: path plus query).
    public var target: String
    /// The target up to `?`, still percent-encoded.
    public var path: Substring { target[..<queryMark] }
    /// The text after `?`, if any, still percent-encoded.
    public var query: Substring? {
        let mark = queryMark
        return mark == target.endIndex ? nil : target[target.utf8.index(after: mark)...]
    }

    /// Where `?` is, or the end. The target is ASCII (the parser checked), so
    /// a UTF-8 index is a valid String index; memchr over its bytes, since
    /// `utf8.firstIndex(of:)` steps index by index through every path.
    private var queryMark: String.Index {
        var text = target  // withUTF8 is mutating; a copy of a native string shares its bytes
        let offset = text.withUTF8 { utf8 -> Int in
            guard let base = utf8.baseAddress, let hit = memchr(base, Int32(UInt8(ascii: "?")), utf8.count) else { return utf8.count }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        return target.utf8.index(target.utf8.startIndex, offsetBy: offset)
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
