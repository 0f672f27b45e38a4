import MarqueeHTTP
import MarqueeServer
import MarqueeUsers

/// `GET /v1/showtimes/{id}/live`: a WebSocket with the showtime's seat map,
/// a snapshot then ordered deltas (see LiveHub, LiveFeed), and, when
/// enabled, `GET /v1/ws-echo` for WebSocket conformance suites.
enum LiveRoutes {
    static func add(to routes: inout Routes, engine: SeatEngine) {
        routes.add(.GET, "/v1/showtimes/{id:int}/live") { context in
            let showtime = context.parameters.id("id")!
            // A token (optional) marks the watcher's own holds: Authorization
            // header, or ?token= for browsers, which cannot set headers on a WebSocket.
            var token = context.request.head.headers["authorization"].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
            if let query = QueryParameters(context.request.head.query) {
                for (name, value) in query.pairs where name == "token" { token = value }
            }
            let address = context.clientAddress
            let open = { (user: Int64?) in
                guard engine.admitWatcher(from: address) else {
                    return context.fail(APIError(.serviceUnavailable, code: "too_many_watchers",
                                                 message: "The live seat-map limit is reached; retry shortly.",
                                                 headers: [HTTPResponse.Field(name: "Retry-After", value: "5")]))
                }
                guard let socket = context.upgradeToWebSocket() else {
                    engine.watcherLeft(from: address)
                    return
                }
                let hub = LiveHub.on(context.shardAccess, engine: engine)
                let watcher = LiveHub.Watcher(socket: socket, showtime: showtime, user: user, address: address)
                hub.add(watcher)
                let previous = socket.onClose
                socket.onClose = {
                    previous?()
                    engine.watcherLeft(from: address)
                }
            }
            guard let token else { return open(nil) }
            Authenticator.verifyToken(token, context, signer: engine.config.signer) { claims in open(claims.userID) }
        }
        if engine.config.webSocketEcho {
            // Also at "/": conformance clients (kosoku) connect to the root.
            for path in ["/v1/ws-echo", "/"] { routes.add(.GET, path) { context in
                var limits = WebSocketConnection.Limits()
                limits.maxFrameBytes = 16 * 1024 * 1024
                limits.maxMessageBytes = 16 * 1024 * 1024
                guard let socket = context.upgradeToWebSocket(limits: limits) else { return }
                socket.onText = { [unowned socket] text in socket.send(.text, text) }
                socket.onBinary = { [unowned socket] bytes in socket.send(.binary, bytes) }
                socket.start()
            } }
        }
    }
}
