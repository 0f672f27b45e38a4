import Logging
import MarqueeHTTP
import MarqueeLoop

/// A route handler: reads the request from the context and completes it
/// once with `respond`, now or later (after a commit, a payment call), on
/// the context's loop.
public typealias RouteHandler = @Sendable (RequestContext) -> Void

/// One request in flight: what a handler reads and how it answers. Bound
/// to the loop of the connection that received the request.
public final class RequestContext {
    public let request: HTTPRequest
    public let parameters: PathParameters
    public let requestID: String
    let routeID: RouteID
    let shard: Shard
    // Strong: a context keeps its connection object (not its socket) alive;
    // `complete` ignores a response for a closed connection.
    private let connection: HTTPConnection
    private let slot: Int
    private var answered = false

    init(request: HTTPRequest, parameters: PathParameters, requestID: String, route: RouteID,
         shard: Shard, connection: HTTPConnection, slot: Int) {
        self.request = request
        self.parameters = parameters
        self.requestID = requestID
        self.routeID = route
        self.shard = shard
        self.connection = connection
        self.slot = slot
    }

    public var loop: EventLoop { shard.loop }
    /// The matched route's pattern, e.g. `/v1/showtimes/{id}/holds`.
    public var route: String { shard.router.pattern(of: routeID) }
    public var shardIndex: Int { shard.index }

    /// A logger that tags every line with this request's id and route.
    public var logger: Logger {
        var logger = shard.logger
        logger[metadataKey: "request_id"] = .string(requestID)
        logger[metadataKey: "route"] = .string(route)
        return logger
    }

    /// Completes the request. Loop thread; only the first call counts. If
    /// the client has gone, the response is dropped.
    public func respond(_ response: HTTPResponse) {
        shard.loop.assertInLoop()
        guard !answered else { return }
        answered = true
        connection.complete(slot: slot, with: response)
    }

    public func fail(_ error: APIError) {
        respond(.error(error))
    }
}
