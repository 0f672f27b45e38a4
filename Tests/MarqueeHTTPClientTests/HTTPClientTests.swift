import MarqueeHTTP
import MarqueeHTTPClient
import MarqueeTestSupport
import Synchronization
import Testing

/// Requests over real TLS to a local server: bodies both ways, chunked
/// answers, keep-alive reuse and its bound.
@Suite("HTTP client: requests and the pool")
struct HTTPClientTests {
    @Test("a GET and a POST make the round trip over TLS on one connection")
    func roundTrip() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try ClientHarness()
        let got = client.get(server.baseURL + "/echo?q=1")
        let response = try got.get()
        #expect(response.status == 200)
        #expect(response.header("X-Method") == "GET")
        #expect(response.header("x-request-host") == "localhost:\(server.port)")
        #expect(response.header("x-request-content-length") == nil, "no body, no length on a GET")
        let posted = try client.post(server.baseURL + "/echo", #"{"amount":1200}"#,
                                     headers: [("Content-Type", "application/json"), ("Idempotency-Key", "k1")]).get()
        #expect(posted.status == 200)
        #expect(String(decoding: posted.body, as: UTF8.self) == #"{"amount":1200}"#)
        #expect(posted.header("x-request-content-length") == "15")
        #expect(posted.header("x-request-idempotency-key") == "k1")
        #expect(posted.header("x-request-number") == "2")
        let statistics = client.statistics
        #expect(statistics.connectionsOpened == 1)
        #expect(statistics.tlsHandshakes == 1)
        #expect(statistics.requestsSent == 2)
        #expect(client.get(server.baseURL + "/nothing-here").status == 404)
        #expect(client.stop() == 0)
    }

    @Test("plain http works too")
    func plainHTTP() throws {
        let server = try TestHTTPServer(tls: nil)
        defer { server.stop() }
        let client = try ClientHarness()
        #expect(client.post(server.baseURL + "/echo", "plain").text == "plain")
        #expect(client.statistics.tlsHandshakes == 0)
        #expect(client.stop() == 0)
    }

    @Test("a chunked body is decoded")
    func chunked() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try ClientHarness()
        #expect(client.get(server.baseURL + "/chunked").text == "hello, chunked world")
        #expect(client.get(server.baseURL + "/echo").status == 200, "the connection is reusable after it")
        #expect(client.statistics.connectionsOpened == 1)
        #expect(client.stop() == 0)
    }

    @Test("sequential requests share one connection; with reuse off each opens its own and resumes TLS")
    func keepAlive() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try ClientHarness()
        let numbers = (1...5).map { _ in (try? client.get(server.baseURL + "/echo").get())?.header("x-request-number") }
        #expect(numbers == ["1", "2", "3", "4", "5"])
        let reused = client.statistics
        #expect(reused.connectionsOpened == 1)
        #expect(reused.reusedRequests == 4)
        #expect(reused.idleConnections == 1)
        #expect(server.connectionsAccepted == 1)
        #expect(client.stop() == 0)

        let oneShot = try ClientHarness { $0.reuseConnections = false }
        let answers = (1...5).map { _ in oneShot.get(server.baseURL + "/echo") }
        #expect(answers.allSatisfy { (try? $0.get())?.header("x-request-connection") == "close" })
        let fresh = oneShot.statistics
        #expect(fresh.connectionsOpened == 5)
        #expect(fresh.reusedRequests == 0)
        #expect(fresh.tlsHandshakes == 5)
        // Each new connection resumes the session the one before received.
        #expect(fresh.resumedTLSHandshakes == 4)
        #expect(fresh.openConnections == 0)
        #expect(server.connectionsAccepted == 6)
        #expect(server.handshakesResumed == 4)
        #expect(oneShot.stop() == 0)
    }

    @Test("requests beyond the bound queue and are served as connections free up")
    func poolBound() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try ClientHarness { $0.maxConnectionsPerHost = 2 }
        let queued = Mutex<HTTPClientStatistics?>(nil)
        let requests = (0..<6).map { _ in HTTPClientRequest(method: .GET, url: server.baseURL + "/slow?ms=100") }
        let results = client.executeAll(requests, after: { client in queued.withLock { $0 = client.statistics } })
        #expect(results.allSatisfy { $0.text == "slow" }, "\(results.map(\.text))")
        #expect(queued.withLock { $0?.queuedRequests } == 4)
        #expect(queued.withLock { $0?.openConnections } == 2)
        let statistics = client.statistics
        #expect(statistics.connectionsOpened == 2)
        #expect(statistics.reusedRequests == 4)
        #expect(statistics.queuedRequests == 0)
        #expect(server.maxOpenConnections == 2)
        #expect(client.stop() == 0)
    }

    @Test("an idle connection is closed with close_notify after the idle timeout")
    func idleTimeout() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try ClientHarness { $0.idleTimeoutMilliseconds = 100 }
        #expect(client.get(server.baseURL + "/echo").status == 200)
        #expect(eventually { client.statistics.openConnections == 0 })
        #expect(eventually { server.closeNotifiesReceived == 1 })
        #expect(eventually { server.openConnections == 0 })
        #expect(client.get(server.baseURL + "/echo").status == 200)
        #expect(client.statistics.connectionsOpened == 2)
        #expect(client.statistics.idleConnectionsClosedByPeer == 0)
        #expect(client.stop() == 0)
    }

    @Test("the bound is per host: a busy host does not hold back another")
    func boundPerHost() throws {
        let first = try TestHTTPServer()
        defer { first.stop() }
        let second = try TestHTTPServer()
        defer { second.stop() }
        let client = try ClientHarness { $0.maxConnectionsPerHost = 1 }
        let submitted = Mutex<HTTPClientStatistics?>(nil)
        let results = client.executeAll([HTTPClientRequest(method: .GET, url: first.baseURL + "/slow?ms=100"),
                                         HTTPClientRequest(method: .GET, url: second.baseURL + "/slow?ms=100"),
                                         HTTPClientRequest(method: .GET, url: first.baseURL + "/echo")],
                                        after: { client in submitted.withLock { $0 = client.statistics } })
        #expect(results.map(\.status) == [200, 200, 200])
        #expect(submitted.withLock { $0?.openConnections } == 2, "one per host")
        #expect(submitted.withLock { $0?.queuedRequests } == 1, "the second request to the first host waits")
        #expect(first.connectionsAccepted == 1 && second.connectionsAccepted == 1)
        #expect(client.stop() == 0)
    }

    @Test("a response with Connection: close ends its connection, and the next request opens another")
    func connectionClose() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try ClientHarness()
        #expect(client.get(server.baseURL + "/close").text == "bye")
        // Closed because the response said so, not found closed later.
        let closed = client.statistics
        #expect(closed.openConnections == 0)
        #expect(closed.idleConnections == 0)
        #expect(client.post(server.baseURL + "/echo", "after").text == "after")
        let statistics = client.statistics
        #expect(statistics.connectionsOpened == 2)
        #expect(statistics.reusedRequests == 0)
        #expect(statistics.retriedRequests == 0)
        #expect(statistics.idleConnectionsClosedByPeer == 0)
        #expect(client.stop() == 0)
    }
}
