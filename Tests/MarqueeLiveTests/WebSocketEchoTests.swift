import MarqueeTestSupport
import Testing

/// The WebSocket echo for conformance suites (WebSocketEcho).
@Suite("WebSocket echo", .serialized)
final class WebSocketEchoTests {
    let server: MarqueeTestServer

    init() throws {
        server = try MarqueeTestServer { config in config.webSocketEcho = true }
    }
    deinit { server.stop() }

    @Test("echo: fragmented text with a ping inside, binary, and the close handshake")
    func echo() throws {
        let socket = try TestWebSocket(port: server.port, path: "/v1/ws-echo")
        try socket.send(raw: TestWebSocket.frame(opcode: 1, Array("Hel".utf8), fin: false) + TestWebSocket.frame(opcode: 9, [7])
                        + TestWebSocket.frame(opcode: 0, Array("lo".utf8)))
        #expect(try socket.read() == .init(fin: true, opcode: 10, payload: [7]))
        #expect(try socket.read() == .init(fin: true, opcode: 1, payload: Array("Hello".utf8)))
        try socket.send(raw: TestWebSocket.frame(opcode: 2, [0, 255]))
        #expect(try socket.read().payload == [0, 255])
        try socket.send(raw: TestWebSocket.frame(opcode: 8, [0x03, 0xE8]))
        #expect(try socket.read().closeCode == 1000)
        #expect(try socket.client.waitForClose())
    }

    @Test("without --websocket-echo there is no echo endpoint")
    func offByDefault() throws {
        let plain = try MarqueeTestServer()
        defer { plain.stop() }
        #expect(try plain.get("/v1/ws-echo").status == 404)
    }
}
