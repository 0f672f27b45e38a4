import MarqueeTestSupport
import Testing

/// A client that floods pings and never reads: the server owes one pong
/// per burst, counts the rest in its output bound and closes the client
/// past it, instead of queueing pongs without end.
@Suite("WebSocket ping flood", .serialized)
final class WebSocketPingFloodTests {
    let server: MarqueeTestServer

    init() throws {
        server = try MarqueeTestServer { config in config.webSocketEcho = true }
    }
    deinit { server.stop() }

    @Test("a ping gets its pong")
    func pingGetsPong() throws {
        let socket = try TestWebSocket(port: server.port, path: "/v1/ws-echo")
        try socket.send(raw: TestWebSocket.frame(opcode: 9, [1, 2, 3]))
        #expect(try socket.read() == .init(fin: true, opcode: 10, payload: [1, 2, 3]))
    }

    @Test("a client that floods pings and never reads is closed within the output bound")
    func floodIsClosed() throws {
        let socket = try TestWebSocket(port: server.port, path: "/v1/ws-echo", receiveBufferBytes: 4096)
        // 1,000 pings of 125 bytes per send. The server's bound is 4 MiB of
        // unsent output; the cap leaves room for both sides' socket buffers.
        let burst = [[UInt8]](repeating: TestWebSocket.frame(opcode: 9, [UInt8](repeating: 7, count: 125)), count: 1_000).flatMap { $0 }
        let cap = 16 * 1024 * 1024
        var sent = 0
        var closed = false
        while sent < cap {
            do { try socket.send(raw: burst) } catch { closed = true; break }
            sent += burst.count
        }
        #expect(closed, "the server took \(sent) bytes of pings from a client that reads nothing")
        // The connection is gone, not just paused: reads end (reset or EOF).
        #expect(throws: (any Error).self) { while true { _ = try socket.read() } }
    }
}
