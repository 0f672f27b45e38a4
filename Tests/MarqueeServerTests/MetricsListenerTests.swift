@testable import MarqueeServer
import MarqueeTestSupport
import Testing

/// METRICS_ADDRESS: `/metrics` off the public port, so a proxy that
/// forwards the public port can never expose it.
@Suite("Metrics on a listener of their own")
struct MetricsListenerTests {
    func status(_ port: Int, _ path: String) throws -> Int {
        let client = try TestClient(port: port)
        try client.send(get(path))
        return try client.readResponse().status
    }

    @Test("with a metrics address, /metrics answers only there, and only system routes answer there")
    func separated() throws {
        let server = try TestServer.start { $0.metricsAddress = ("127.0.0.1", 0) }
        defer { server.stop() }
        let metricsPort = try #require(server.server.metricsPort)
        #expect(metricsPort != server.port)
        #expect(try status(server.port, "/metrics") == 404)
        #expect(try status(server.port, "/items/7") == 200)
        #expect(try status(metricsPort, "/metrics") == 200)
        #expect(try status(metricsPort, "/healthz") == 200)
        #expect(try status(metricsPort, "/items/7") == 404)
    }

    @Test("without one, /metrics stays on the public listener")
    func together() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        #expect(server.server.metricsPort == nil)
        #expect(try status(server.port, "/metrics") == 200)
    }
}
