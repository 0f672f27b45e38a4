import Foundation
import MarqueeLoop
import MarqueeTestSupport
import Synchronization
import Testing

@Suite("HTTP server: shards, metrics and graceful shutdown", .serialized)
struct ShardsAndShutdownTests {
    @Test("concurrent clients are all served, by every shard")
    func concurrentClientsOnAllShards() throws {
        let server = try TestServer.start { $0.idleTimeoutMilliseconds = 10_000 }
        defer { server.stop() }
        let port = server.port
        let failures = AtomicCounter()
        let served = AtomicCounter()
        let shardsSeen = LockedSet<String>()
        let threads = (0..<4).map { _ in
            LoopThread(name: "test-client") {
                do {
                    let clients = try (0..<16).map { _ in try TestClient(port: port) }
                    for _ in 0..<25 {
                        for client in clients { try client.send(get("/healthz")) }
                        for client in clients {
                            let response = try client.readResponse()
                            if response.status == 200 { served.increment() } else { failures.increment() }
                            let shard = String(response.headers["x-request-id"]?.split(separator: "-").first ?? "?")
                            shardsSeen.insert(shard)
                        }
                    }
                } catch {
                    failures.increment()
                }
            }
        }
        threads.forEach { $0.join() }
        #expect(failures.value == 0)
        #expect(served.value == 4 * 16 * 25)
        #expect(shardsSeen.values == ["0", "1"])
    }

    @Test("/metrics counts requests by route and status, and open connections per shard")
    func metrics() throws {
        let server = try TestServer.start { $0.idleTimeoutMilliseconds = 10_000 }
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        for _ in 0..<7 { try client.send(get("/healthz")); _ = try client.readResponse() }
        try client.send(get("/missing")); _ = try client.readResponse()
        try client.send(get("/metrics"))
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = response.text
        #expect(text.contains("marquee_http_requests_total{route=\"/healthz\",status=\"200\"} 7\n"))
        #expect(text.contains("marquee_http_requests_total{route=\"unmatched\",status=\"404\"} 1\n"))
        #expect(text.contains("marquee_http_request_duration_seconds_count{route=\"/healthz\"} 7\n"))
        #expect(text.contains("marquee_http_open_connections{shard=\"0\"}"))
        #expect(text.contains("marquee_http_open_connections{shard=\"1\"}"))
        #expect(text.contains("process_cpu_seconds_total "))
    }

    @Test("/readyz answers ready while serving")
    func readiness() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send(get("/readyz"))
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "{\"status\":\"ready\",\"database\":\"not_configured\"}")
    }

    @Test("shutdown finishes requests in flight, refuses new connections, and leaves no handle open")
    func gracefulShutdown() throws {
        let server = try TestServer.start()
        let busy = try TestClient(port: server.port)
        let idle = try TestClient(port: server.port)
        try idle.send(get("/healthz"))
        #expect(try idle.readResponse().status == 200)
        try busy.send(get("/slow"))
        #expect(pollUntil { server.handlersEntered.value == 1 }, "the slow request is in its handler")
        server.server.shutdown()
        let response = try busy.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "{\"slow\":true}")
        #expect(response.headers["connection"] == "close")
        #expect(try busy.waitForClose())
        #expect(try idle.waitForClose())
        #expect(server.server.waitUntilStopped() == 0)
        #expect(throws: TestClient.Failure.self) { _ = try TestClient(port: server.port) }
    }

    @Test("a shutdown that outlasts the drain timeout cuts the stragglers: closed with no answer, long before theirs was due")
    func drainTimeout() throws {
        let server = try TestServer.start { $0.drainTimeoutMilliseconds = 50 }
        let client = try TestClient(port: server.port)
        try client.send(get("/stall"))
        #expect(pollUntil { server.handlersEntered.value == 1 }, "the stalled request is in its handler")
        let started = Date()
        server.server.shutdown()
        #expect(try client.waitForClose(), "the server closed the connection")
        let waited = Date().timeIntervalSince(started)
        #expect(client.unreadBytes == 0, "no answer was sent")
        // The drain limit is 50 ms and the answer was due 3 s after the
        // request: closing within 2 s leaves room for a loaded machine.
        #expect(waited < Double(TestServer.stallMilliseconds) / 1_000 - 1, "closed after \(waited) s")
        #expect(server.server.waitUntilStopped() == 0)
    }

    @Test("/readyz answers 503 draining once a shutdown has begun")
    func readinessWhileDraining() throws {
        let server = try TestServer.start()
        let client = try TestClient(port: server.port)
        try client.send(get("/readyz-while-draining"))
        let response = try client.readResponse()
        #expect(response.status == 503)
        #expect(response.object.flatMap { $0["error"] as? [String: Any] }?["code"] as? String == "draining", "\(response)")
        #expect(response.headers["connection"] == "close")
        #expect(try client.waitForClose())
        #expect(server.server.waitUntilStopped() == 0)
    }
}
