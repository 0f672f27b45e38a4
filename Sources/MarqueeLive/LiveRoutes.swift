import MarqueeBooking
import MarqueeHTTP
import MarqueeServer
import MarqueeUsers

/// `GET /v1/showtimes/{id}/live`: a WebSocket with the showtime's seat map,
/// a snapshot then ordered deltas (see LiveHub, LiveFeed); and, only when
/// BookingConfig.webSocketEcho is set (--websocket-echo), the echo for
/// conformance suites (WebSocketEcho).
public enum LiveRoutes {
    public static func add(to routes: inout Routes, engine: SeatEngine) {
        if engine.config.webSocketEcho { WebSocketEcho.add(to: &routes) }
        // One for the process: the routes are shared by every shard.
        let admission = WatcherAdmission(maxTotal: engine.config.maxWatchers, maxPerAddress: engine.config.maxWatchersPerAddress)
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
                guard admission.admit(from: address) else {
                    return context.fail(APIError(.serviceUnavailable, code: "too_many_watchers",
                                                 message: "The live seat-map limit is reached; retry shortly.",
                                                 headers: [HTTPResponse.Field(name: "Retry-After", value: "5")]))
                }
                guard let socket = context.upgradeToWebSocket() else {
                    admission.left(from: address)
                    return
                }
                let hub = LiveHub.on(context.shardAccess, engine: engine)
                let watcher = LiveHub.Watcher(socket: socket, showtime: showtime, user: user, address: address)
                hub.add(watcher)
                let previous = socket.onClose
                socket.onClose = {
                    previous?()
                    admission.left(from: address)
                }
            }
            guard let token else { return open(nil) }
            Authenticator.verifyToken(token, context, signer: engine.config.signer) { claims in open(claims.userID) }
        }
    }
}
