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
/// Nodes are classes and segments are slices of the request's path: a
/// match allocates nothing but the captured parameters (it runs for
/// every request; copying node structs and splitting the path into an
/// array were a twentieth of the hold path's CPU).
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
        var literals: [Substring: Node] = [:]
        var parameterChild: Node?
        var endpoints: [Endpoint] = []

        init() {}

        func copy() -> Node {
            let copy = Node()
            copy.literals = literals.mapValues { $0.copy() }
            copy.parameterChild = parameterChild?.copy()
            copy.endpoints = endpoints
            return copy
        }
    }

    private var root = Node()
    /// Every registered pattern; a `RouteID` indexes it.
    public private(set) var patterns: [String] = []
    /// Routes without parameters by their exact path: one hash lookup,
    /// no tree walk, for the hottest endpoints (health, metrics, lists).
    private var staticPaths: [Substring: [Endpoint]] = [:]

    public init() {}

    /// Registers a route. A malformed pattern is a programming error.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, endpoint: Int) {
        precondition(pattern.hasPrefix("/"), "route pattern must start with /: \(pattern)")
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
        if parameters.isEmpty {
            staticPaths[Substring(pattern), default: []].append(endpoint)
        }
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
            let child = node.literals[Substring(name)] ?? Node()
            node.literals[Substring(name)] = child
            insert(endpoint, keys: keys.dropFirst(), into: child)
        case .parameter:
            let child = node.parameterChild ?? Node()
            node.parameterChild = child
            insert(endpoint, keys: keys.dropFirst(), into: child)
        }
    }

    /// Finds the handler for `method` and `path` (no query, still percent-encoded).
    public func match(_ method: HTTPMethod, path: Substring) -> RouteMatch {
        guard path.utf8.first == UInt8(ascii: "/") else { return .notFound }
        var captured: [Substring] = []
        let endpoints: [Endpoint]
        if let exact = staticPaths[path] {
            endpoints = exact
        } else {
            guard let found = Self.find(path.dropFirst(), in: root, captured: &captured) else { return .notFound }
            endpoints = found.endpoints
        }

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
            guard let value = PathParameters.percentDecode(captured[index]) else {
                return .invalidParameter(.invalidPathParameter(spec.name, String(captured[index]), expected: "valid percent-encoded text"))
            }
            if spec.kind == .int && PathParameters.parseID(value) == nil {
                return .invalidParameter(.invalidPathParameter(spec.name, value, expected: "a positive integer id"))
            }
            parameters.append(name: spec.name, value: value)
        }
        return .found(endpoint: endpoint.endpoint, parameters, route: endpoint.route)
    }

    /// The node whose route matches the segments of `rest` (the path after
    /// a slash; nil past the last segment), literals before parameters.
    private static func find(_ rest: Substring?, in node: Node, captured: inout [Substring]) -> Node? {
        guard let rest else { return node.endpoints.isEmpty ? nil : node }
        let slash = rest.utf8.firstIndex(of: UInt8(ascii: "/"))
        let segment = slash.map { rest[..<$0] } ?? rest
        let next = slash.map { rest[rest.index(after: $0)...] }
        if let literal = node.literals[segment],
           let found = find(next, in: literal, captured: &captured) {
            return found
        }
        if let parameter = node.parameterChild, !segment.isEmpty {
            captured.append(segment)
            if let found = find(next, in: parameter, captured: &captured) { return found }
            captured.removeLast()
        }
        return nil
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
