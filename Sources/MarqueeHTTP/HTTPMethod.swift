import Glibc

/// A request method token. Known methods are constants; any other valid
/// token is kept as sent so the router can answer 405 or 501 for it.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let GET = HTTPMethod(rawValue: "GET")
    public static let HEAD = HTTPMethod(rawValue: "HEAD")
    public static let POST = HTTPMethod(rawValue: "POST")
    public static let PUT = HTTPMethod(rawValue: "PUT")
    public static let PATCH = HTTPMethod(rawValue: "PATCH")
    public static let DELETE = HTTPMethod(rawValue: "DELETE")
    public static let OPTIONS = HTTPMethod(rawValue: "OPTIONS")

    public var description: String { rawValue }

    /// The known method these bytes spell (methods are case-sensitive), or
    /// nil: the common ones need no `String` decoded and validated from the
    /// bytes on every request.
    static func known(_ token: UnsafeBufferPointer<UInt8>) -> HTTPMethod? {
        func spells(_ name: StaticString) -> Bool {
            token.count == name.utf8CodeUnitCount && memcmp(token.baseAddress!, name.utf8Start, token.count) == 0
        }
        switch token.count {
        case 3: return spells("GET") ? .GET : spells("PUT") ? .PUT : nil
        case 4: return spells("POST") ? .POST : spells("HEAD") ? .HEAD : nil
        case 5: return spells("PATCH") ? .PATCH : nil
        case 6: return spells("DELETE") ? .DELETE : nil
        case 7: return spells("OPTIONS") ? .OPTIONS : nil
        default: return nil
        }
    }
}

/// HTTP/1.0 or HTTP/1.1; the parser answers 505 for any other version.
public enum HTTPVersion: Sendable, Equatable {
    case http1_0
    case http1_1
}
