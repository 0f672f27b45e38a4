import MarqueeHTTP
import MarqueeServer

/// `GET /v1/ws-echo` (and `/`): a WebSocket that sends every message back,
/// for conformance suites such as Autobahn. Registered only with
/// `--websocket-echo` / `WEBSOCKET_ECHO` (BookingConfig.webSocketEcho).
public enum WebSocketEcho {
    public static func add(to routes: inout Routes) {
        // Also at "/": conformance clients (kosoku) connect to the root.
        for path in ["/v1/ws-echo", "/"] {
            routes.add(.GET, path) { context in
                var limits = WebSocketConnection.Limits()
                limits.maxFrameBytes = 16 * 1024 * 1024
                limits.maxMessageBytes = 16 * 1024 * 1024
                guard let socket = context.upgradeToWebSocket(limits: limits) else { return }
                socket.onText = { [unowned socket] text in socket.send(.text, text) }
                socket.onBinary = { [unowned socket] bytes in socket.send(.binary, bytes) }
                socket.start()
            }
        }
    }
}
