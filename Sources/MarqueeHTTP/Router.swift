import Glibc

/// Maps method + path to an endpoint number (the server keeps the handlers
/// in an array by that number; the router stays non-generic so matching
/// needs no generic metadata at run time). Patterns are literal segments
/// and parameters: `/v1/showtimes/{id:int}/holds`. Built once before
/// serving and then only read, so it is a plain value shared by every shard.
///
/// Layout: a tree of path segments; each node has literal children by name
/// and at most one parameter child. Matching walks one segment at a time,
/// preferring a literal over a parameter and backtracking if that fails,
/// so cost is proportional to the path's depth, not the number of routes.
/// Nodes are classes, and matching walks the path's UTF-8 bytes: a
/// literal child is found by comparing bytes (a node has a handful), and
/// only captured parameters become strings. It runs for every request,
/// so it neither copies node structs, nor splits the path into an array,
/// nor hashes segments as `Substring`s (BENCHMARKS.md, instructions per
/// request).
public struct Router: Sendable {
    struct Endpoint: Sendable {
        let method: HTTPMethod
        let endpoint: Int
        let route: RouteID
        let parameters: [(name: String, kind: PathParameterKind)]
    }

    /// Mutated only while routes are added (before serving, copied first
    /// if shared), then only read: safe to share between threads.
    final class Node: @unchecked Sendable {
        var literals: [(name: [UInt8], node: Node)] = []
        var parameterChild: Node?
        var endpoints: [Endpoint] = []

        init() {}

        func copy() -> Node {
            let copy = Node()
            copy.literals = literals.map { ($0.name, $0.node.copy()) }
            copy.parameterChild = parameterChild?.copy()
            copy.endpoints = endpoints
            return copy
        }

        func literal(_ segment: UnsafeBufferPointer<UInt8>) -> Node? {
            for child in literals where child.name.count == segment.count {
                let same = child.name.withUnsafeBufferPointer { name in
                    segment.isEmpty || memcmp(name.baseAddress!, segment.baseAddress!, segment.count) == 0
                }
                if same { return child.node }
            }
            return nil
        }

        func literal(named name: [UInt8]) -> Node {
            if let found = name.withUnsafeBufferPointer({ literal($0) }) { return found }
            let child = Node()
            literals.append((name, child))
            return child
        }
    }

    private var root = Node()
    /// Every registered pattern; a `RouteID` indexes it.
    public private(set) var patterns: [String] = []

    public init() {}

    /// Registers a route. A malformed pattern is a programming error.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, endpoint: Int) {
        precondition(pattern.hasPrefix("/"), "route pattern must start with /: \(pattern)")
        precondition(pattern.filter { $0 == "{" }.count <= Captures.capacity, "at most \(Captures.capacity) parameters: \(pattern)")
        var parameters: [(name: String, kind: PathParameterKind)] = []
        let segments = pattern.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var keys: [Segment] = []
        for segment in segments {
            if segment.hasPrefix("{") && segment.hasSuffix("}") {
                let inner = segment.dropFirst().dropLast()
                let parts = inner.split(separator: ":", maxSplits: 1)
                let kind = parts.count == 2 ? PathParameterKind(rawValue: String(parts[1])) : .string
                precondition(kind != nil && !parts.isEmpty, "bad parameter in pattern: \(pattern)")
                parameters.append((String(parts[0]), kind!))
                keys.append(.parameter)
            } else {
                keys.append(.literal(String(segment)))
            }
        }
        let route = RouteID(rawValue: patterns.firstIndex(of: pattern) ?? patterns.count)
        if route.rawValue == patterns.count { patterns.append(pattern) }
        let endpoint = Endpoint(method: method, endpoint: endpoint, route: route, parameters: parameters)
        if !isKnownUniquelyReferenced(&root) { root = root.copy() }  // value semantics for a copied router
        Self.insert(endpoint, keys: keys[...], into: root)
    }

    public func pattern(of route: RouteID) -> String { patterns[route.rawValue] }

    enum Segment { case literal(String), parameter }

    private static func insert(_ endpoint: Endpoint, keys: ArraySlice<Segment>, into node: Node) {
        guard let first = keys.first else {
            precondition(!node.endpoints.contains { $0.method == endpoint.method },
                         "duplicate route \(endpoint.method) for pattern #\(endpoint.route.rawValue)")
            node.endpoints.append(endpoint)
            return
        }
        switch first {
        case .literal(let name):
            insert(endpoint, keys: keys.dropFirst(), into: node.literal(named: Array(name.utf8)))
        case .parameter:
            let child = node.parameterChild ?? Node()
            node.parameterChild = child
            insert(endpoint, keys: keys.dropFirst(), into: child)
        }
    }

    /// Finds the handler for `method` and `path` (no query, still percent-encoded).
    public func match(_ method: HTTPMethod, path: Substring) -> RouteMatch {
        var path = path
        return path.withUTF8 { match(method, bytes: $0) }
    }

    private func match(_ method: HTTPMethod, bytes: UnsafeBufferPointer<UInt8>) -> RouteMatch {
        guard bytes.first == UInt8(ascii: "/") else { return .notFound }
        var captured = Captures()
        guard let found = Self.find(bytes, from: 1, in: root, captured: &captured) else { return .notFound }
        let endpoints = found.endpoints

        let wanted = method == .HEAD && !endpoints.contains { $0.method == .HEAD } ? HTTPMethod.GET : method
        guard let endpoint = endpoints.first(where: { $0.method == wanted }) else {
            var allowed = endpoints.map(\.method)
            if allowed.contains(.GET) && !allowed.contains(.HEAD) {
                allowed.insert(.HEAD, at: allowed.firstIndex(of: .GET)! + 1)
            }
            return .methodNotAllowed(allowed)
        }
        var parameters = PathParameters()
        for (index, spec) in endpoint.parameters.enumerated() {
            let segment = UnsafeBufferPointer(rebasing: bytes[captured[index]])
            let value: String
            if segment.isEmpty || memchr(segment.baseAddress!, Int32(UInt8(ascii: "%")), segment.count) == nil {
                value = String(decoding: segment, as: UTF8.self)  // nothing escaped: no decoding pass
            } else {
                let raw = Substring(String(decoding: segment, as: UTF8.self))
                guard let decoded = PathParameters.percentDecode(raw) else {
                    return .invalidParameter(.invalidPathParameter(spec.name, String(raw), expected: "valid percent-encoded text"))
                }
                value = decoded
            }
            if spec.kind == .int && PathParameters.parseID(value) == nil {
                return .invalidParameter(.invalidPathParameter(spec.name, value, expected: "a positive integer id"))
            }
            parameters.append(name: spec.name, value: value)
        }
        return .found(endpoint: endpoint.endpoint, parameters, route: endpoint.route)
    }

    /// The node whose route matches the segments of the path from `start`
    /// (just after a slash; nil past the last segment), literals before
    /// parameters.
    private static func find(_ path: UnsafeBufferPointer<UInt8>, from start: Int?, in node: Node,
                             captured: inout Captures) -> Node? {
        guard let start else { return node.endpoints.isEmpty ? nil : node }
        var end = start
        while end < path.count && path[end] != UInt8(ascii: "/") { end += 1 }
        let next = end < path.count ? end + 1 : nil
        if let literal = node.literal(UnsafeBufferPointer(rebasing: path[start..<end])),
           let found = find(path, from: next, in: literal, captured: &captured) {
            return found
        }
        if let parameter = node.parameterChild, end > start, captured.count < Captures.capacity {
            captured.append(start..<end)
            if let found = find(path, from: next, in: parameter, captured: &captured) { return found }
            captured.removeLast()
        }
        return nil
    }
}

/// The path ranges a match captured, one per parameter on the way down,
/// kept inline (an array was an allocation per request); patterns have at
/// most `capacity` parameters.
struct Captures {
    static let capacity = 4
    private var ranges: (Range<Int>, Range<Int>, Range<Int>, Range<Int>) = (0..<0, 0..<0, 0..<0, 0..<0)
    private(set) var count = 0

    mutating func append(_ range: Range<Int>) {
        precondition(count < Self.capacity)
        withUnsafeMutableBytes(of: &ranges) { $0.baseAddress!.assumingMemoryBound(to: Range<Int>.self)[count] = range }
        count += 1
    }

    mutating func removeLast() { count -= 1 }

    subscript(index: Int) -> Range<Int> {
        precondition(index < count)
        return withUnsafeBytes(of: ranges) { $0.baseAddress!.assumingMemoryBound(to: Range<Int>.self)[index] }
    }
}

public enum RouteMatch: Sendable {
    case found(endpoint: Int, PathParameters, route: RouteID)
    case methodNotAllowed([HTTPMethod])
    case invalidParameter(APIError)
    case notFound
}

public enum PathParameterKind: String, Sendable {
    case string
    /// A positive 64-bit id in decimal, without sign or leading zeros.
    case int
}

/// A registered pattern's index: metrics count per route without hashing strings.
public struct RouteID: Hashable, Sendable {
    public let rawValue: Int
}
