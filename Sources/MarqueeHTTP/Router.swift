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
public struct Router: Sendable {
    struct Endpoint: Sendable {
        let method: HTTPMethod
        let endpoint: Int
        let route: RouteID
        let parameters: [(name: String, kind: PathParameterKind)]
    }

    struct Node: Sendable {
        var literals: [String: Node] = [:]
        var parameterChild: [Node] = []  // zero or one
        var endpoints: [Endpoint] = []
    }

    private var root = Node()
    /// Every registered pattern; a `RouteID` indexes it.
    public private(set) var patterns: [String] = []
    /// Routes without parameters by their exact path: one hash lookup,
    /// no tree walk, for the hottest endpoints (health, metrics, lists).
    private var staticPaths: [Substring: Node] = [:]

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
        Self.insert(endpoint, keys: keys[...], into: &root)
        if parameters.isEmpty {
            staticPaths[Substring(pattern), default: Node()].endpoints.append(endpoint)
        }
    }

    public func pattern(of route: RouteID) -> String { patterns[route.rawValue] }

    enum Segment { case literal(String), parameter }

    private static func insert(_ endpoint: Endpoint, keys: ArraySlice<Segment>, into node: inout Node) {
        guard let first = keys.first else {
            precondition(!node.endpoints.contains { $0.method == endpoint.method },
                         "duplicate route \(endpoint.method) for pattern #\(endpoint.route.rawValue)")
            node.endpoints.append(endpoint)
            return
        }
        switch first {
        case .literal(let name):
            insert(endpoint, keys: keys.dropFirst(), into: &node.literals[name, default: Node()])
        case .parameter:
            if node.parameterChild.isEmpty { node.parameterChild.append(Node()) }
            insert(endpoint, keys: keys.dropFirst(), into: &node.parameterChild[0])
        }
    }

    /// Finds the handler for `method` and `path` (no query, still percent-encoded).
    public func match(_ method: HTTPMethod, path: Substring) -> RouteMatch {
        guard path.utf8.first == UInt8(ascii: "/") else { return .notFound }
        var captured: [Substring] = []
        let node: Node
        if let exact = staticPaths[path] {
            node = exact
        } else {
            var segments = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
                .map { Substring($0) }
            segments.removeFirst()
            guard let found = Self.find(segments[...], in: root, captured: &captured) else { return .notFound }
            node = found
        }

        let wanted = method == .HEAD && !node.endpoints.contains { $0.method == .HEAD } ? HTTPMethod.GET : method
        guard let endpoint = node.endpoints.first(where: { $0.method == wanted }) else {
            var allowed = node.endpoints.map(\.method)
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

    /// The node whose route matches all `segments`, literals before parameters.
    private static func find(_ segments: ArraySlice<Substring>, in node: Node, captured: inout [Substring]) -> Node? {
        guard let segment = segments.first else { return node.endpoints.isEmpty ? nil : node }
        if let literal = node.literals[String(segment)],
           let found = find(segments.dropFirst(), in: literal, captured: &captured) {
            return found
        }
        if let parameter = node.parameterChild.first, !segment.isEmpty {
            captured.append(segment)
            if let found = find(segments.dropFirst(), in: parameter, captured: &captured) { return found }
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
