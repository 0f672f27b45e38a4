import Logging
import MarqueeHTTP
import MarqueeLoop
import MarqueeStore

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
    /// Set while this request fetches a cache key that others may wait for
    /// (`cached`): whatever answers the request, the fetch's own answer or
    /// an error path that calls `fail` directly (a query with no database),
    /// ends the fetch, so no request for the key is left waiting on it.
    private var endFetch: ((HTTPResponse) -> Void)?
    /// Gets the response before it is sent and sends it by calling the
    /// continuation, possibly later: idempotency stores it first, so a
    /// retry that arrives after the answer always finds it.
    public var interceptResponse: ((HTTPResponse, @escaping (HTTPResponse) -> Void) -> Void)?

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
    /// The client's IP address: the peer's, or behind a trusted proxy the
    /// one it forwarded for (`TrustedProxies`). Every per-address limit
    /// and the request log use it.
    public private(set) lazy var clientAddress: String = {
        let peer = connection.tcp.peerAddress ?? "unknown"
        let trusted = shard.config.trustedProxies
        return trusted.isEmpty ? peer : trusted.clientAddress(peer: peer, forwardedFor: request.head.headers.values("x-forwarded-for"))
    }()
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
        let endFetch = endFetch
        self.endFetch = nil
        if let interceptResponse {
            self.interceptResponse = nil
            interceptResponse(response) { [self] final in connection.complete(slot: slot, with: final) }
        } else {
            connection.complete(slot: slot, with: response)
        }
        endFetch?(response)
    }

    /// Answers a WebSocket upgrade request with `101` and returns the new
    /// connection, or answers the error (400 / 426) and returns nil. The
    /// request must be the connection's only outstanding one.
    public func upgradeToWebSocket(limits: WebSocketConnection.Limits = .init()) -> WebSocketConnection? {
        shard.loop.assertInLoop()
        guard !answered else { return nil }
        switch WebSocketHandshake.accept(request.head) {
        case .failure(let error):
            fail(error)
            return nil
        case .success(let (accept, deflate)):
            guard let connection = connection.upgrade(slot: slot, accept: accept, deflate: deflate, limits: limits) else {
                fail(APIError(.badRequest, code: "invalid_websocket_handshake", message: "Upgrade only a connection's only request in flight."))
                return nil
            }
            answered = true
            return connection
        }
    }

    public func fail(_ error: APIError) {
        respond(.error(error))
    }

    /// This shard's database connection, or nil when none is configured.
    public var database: PostgresConnection? { shard.database }

    /// Answers from the shard's response cache when it holds `key`;
    /// otherwise calls `produce` (unless the same key is already being
    /// fetched on this shard: then it waits for that answer), and caches
    /// what it answers if that is a 200 (errors are never cached).
    public func cached(_ key: String, ttlMilliseconds: UInt64,
                      _ produce: (@escaping (HTTPResponse) -> Void) -> Void) {
        let now = shard.loop.now
        if let hit = shard.cache.lookup(key, now: now) {
            respond(hit)
            return
        }
        let cache = shard.cache
        let loop = shard.loop
        guard cache.beginFetch(key, waiter: { [self] response in respond(response) }) else { return }
        endFetch = { response in
            if response.status == .ok { cache.store(key, response, now: loop.now, ttl: ttlMilliseconds) }
            cache.finishFetch(key, response)
        }
        produce { [self] response in respond(response) }
    }

    /// Runs a query on this shard's connection; a database that is missing
    /// or unreachable answers the client 503 `database_unavailable` and
    /// `onSuccess` is not called. Other database errors are handed to
    /// `onError` when given, else answered 500 `internal_error` and logged.
    public func query(_ sql: String, _ params: [String?] = [],
                      onError: ((PostgresError) -> Void)? = nil,
                      _ onSuccess: @escaping (QueryResult) -> Void) {
        run(params, onError: onError, onSuccess) { database, params, completion in
            database.query(sql, params, completion)
        }
    }

    /// The same, with a statement prepared once per connection (hot reads).
    public func query(_ statement: PreparedStatement, _ params: [String?] = [],
                      onError: ((PostgresError) -> Void)? = nil,
                      _ onSuccess: @escaping (QueryResult) -> Void) {
        run(params, onError: onError, onSuccess) { database, params, completion in
            database.query(statement, params, completion)
        }
    }

    private func run(_ params: [String?], onError: ((PostgresError) -> Void)?,
                     _ onSuccess: @escaping (QueryResult) -> Void,
                     _ send: (PostgresConnection, [String?], @escaping PostgresConnection.Completion) -> Void) {
        guard let database = shard.database else {
            fail(APIError(.serviceUnavailable, code: "database_unavailable", message: "No database is configured."))
            return
        }
        send(database, params) { [self] result in
            switch result {
            case .success(let rows):
                onSuccess(rows)
            case .failure(let error) where error.isUnavailable:
                fail(.databaseUnavailable)
            case .failure(let error):
                if let onError {
                    onError(error)
                } else {
                    logger.error("query failed", metadata: ["error": .string(error.description)])
                    fail(.internalError)
                }
            }
        }
    }

    /// Tells every shard of every instance to drop cached responses.
    public func invalidateCaches() {
        shard.cache.invalidateAll()
        shard.database?.query("SELECT pg_notify($1, '')", [ResponseCache.channel]) { _ in }
    }
}
