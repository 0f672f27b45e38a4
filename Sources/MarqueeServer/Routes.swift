import MarqueeHTTP

/// The application's routes: a non-generic `Router` for matching, plus
/// the handlers by endpoint number. Built before serving, then shared
/// read-only by every shard.
public struct Routes: Sendable {
    public private(set) var router = Router()
    private(set) var handlers: [RouteHandler] = []

    public init() {}

    public mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping RouteHandler) {
        router.add(method, pattern, endpoint: handlers.count)
        handlers.append(handler)
    }
}
