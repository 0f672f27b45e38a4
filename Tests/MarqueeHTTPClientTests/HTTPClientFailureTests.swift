import Dispatch
import MarqueeHTTP
import MarqueeHTTPClient
import MarqueeTestSupport
import Testing

/// Timeouts, servers that hang up, bounds, retries and shutdown.
@Suite("HTTP client: failures, retries and shutdown")
struct HTTPClientFailureTests {
    @Test("a connect that the server never completes times out as a connect timeout")
    func connectTimeout() throws {
        let blackhole = try UnacceptingListener()
        defer { blackhole.close() }
        let client = try ClientHarness { $0.connectTimeoutMilliseconds = 200 }
        let start = ContinuousClock.now
        let result = client.get("http://127.0.0.1:\(blackhole.port)/")
        let elapsed = ContinuousClock.now - start
        #expect(result.error == .timeout("connect"))
        // Not before the timeout; the upper margin is wide for a loaded machine.
        #expect(elapsed >= .milliseconds(200) && elapsed < .seconds(5), "\(elapsed)")
        #expect(client.statistics.openConnections == 0)
        #expect(client.stop() == 0, "the abandoned connect leaves no handle open")
    }

    @Test("a server that accepts but never finishes the TLS handshake times out as a handshake timeout")
    func handshakeTimeout() throws {
        // A plain HTTP server: its request parser waits for the end of a
        // head that a TLS ClientHello never brings, so it answers nothing.
        let server = try TestHTTPServer(tls: nil)
        defer { server.stop() }
        let client = try ClientHarness { $0.tlsHandshakeTimeoutMilliseconds = 200 }
        let result = client.get("https://localhost:\(server.port)/echo")
        #expect(result.error == .timeout("TLS handshake"), "\(result.text)")
        #expect(client.statistics.connectionsOpened == 1, "the TCP connection was made")
        #expect(client.stop() == 0)
    }

    @Test("a response slower than the read timeout fails as a response timeout")
    func readTimeout() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try ClientHarness { $0.readTimeoutMilliseconds = 200 }
        let start = ContinuousClock.now
        let result = client.get(server.baseURL + "/slow?ms=3000")
        let elapsed = ContinuousClock.now - start
        #expect(result.error == .timeout("response"))
        #expect(elapsed >= .milliseconds(200) && elapsed < .milliseconds(2_500), "\(elapsed)")
        let next = HTTPClientRequest(method: .GET, url: server.baseURL + "/slow?ms=10", readTimeoutMilliseconds: 10_000)
        #expect(client.execute(next).text == "slow", "a fresh connection serves the next")
        #expect(client.statistics.connectionsOpened == 2, "the timed-out connection is not reused")
        // A request's own timeout wins over the client's, both ways.
        let patient = HTTPClientRequest(method: .GET, url: server.baseURL + "/slow?ms=400", readTimeoutMilliseconds: 5_000)
        #expect(client.execute(patient).text == "slow")
        let hasty = HTTPClientRequest(method: .GET, url: server.baseURL + "/slow?ms=3000", readTimeoutMilliseconds: 100)
        #expect(client.execute(hasty).error == .timeout("response"))
        #expect(client.stop() == 0)
    }

    @Test("a server that hangs up in the middle of a response fails it as sent, without a retry")
    func dropMidResponse() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try ClientHarness()
        #expect(client.get(server.baseURL + "/drop").error == .connectionClosed(requestSent: true))
        #expect(client.statistics.retriedRequests == 0)
        #expect(server.requestsReceived == 1)
        #expect(client.stop() == 0)
    }

    @Test("a pooled connection the server closed just before the next request is not used")
    func idleClosedByServer() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try ClientHarness()
        #expect(client.get(server.baseURL + "/echo").status == 200)
        // In one turn of the client's loop, so that its read callback has
        // not run: the server's close_notify waits in the socket unread.
        let answered = client.executeAll([HTTPClientRequest(method: .POST, url: server.baseURL + "/echo", body: [1])],
                                         before: { _ in server.closeIdleConnections() })
        #expect(answered[0].status == 200, "\(answered[0].text)")
        let statistics = client.statistics
        #expect(statistics.idleConnectionsClosedByPeer == 1)
        #expect(statistics.connectionsOpened == 2)
        #expect(statistics.retriedRequests == 0, "found closed before sending, not retried")
        #expect(client.stop() == 0)
    }

    @Test("an idle connection closed by the server is dropped from the pool as the close arrives")
    func idleCloseNoticed() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try ClientHarness()
        #expect(client.get(server.baseURL + "/echo").status == 200)
        server.closeIdleConnections()
        #expect(eventually { client.statistics.idleConnections == 0 })
        #expect(eventually { server.openConnections == 0 }, "the client closed its side too")
        #expect(client.post(server.baseURL + "/echo", "next").text == "next")
        #expect(client.stop() == 0)
    }

    @Test("a reused connection closed with no answer: retried once if replayable, else reported as sent")
    func retryOnReuse() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try ClientHarness()
        #expect(client.get(server.baseURL + "/echo").status == 200)
        #expect(client.get(server.baseURL + "/hang-up-on-reuse").text == "fresh")
        #expect(client.statistics.retriedRequests == 1)
        #expect(client.post(server.baseURL + "/hang-up-on-reuse", "charge", headers: [("Idempotency-Key", "a1")]).text
                == "fresh")
        #expect(client.statistics.retriedRequests == 2)
        // A POST without a key may have been acted on: the caller decides.
        #expect(client.post(server.baseURL + "/hang-up-on-reuse", "charge").error == .connectionClosed(requestSent: true))
        #expect(client.statistics.retriedRequests == 2)
        // Never more than once: on a fresh connection the hang-up is final.
        #expect(client.get(server.baseURL + "/hang-up").error == .connectionClosed(requestSent: true))
        #expect(client.stop() == 0)
    }

    @Test("a body over the bound fails the request; one at the bound passes")
    func bodyBound() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try ClientHarness { $0.maxResponseBodyBytes = 1_000 }
        #expect(try client.get(server.baseURL + "/bytes?n=1000").get().body.count == 1_000)
        guard case .invalidResponse(let reason)? = client.get(server.baseURL + "/bytes?n=1001").error else {
            Issue.record("a 1001-byte body was accepted")
            return
        }
        #expect(reason.contains("1000-byte bound"), "\(reason)")
        #expect(client.stop() == 0)
    }

    @Test("bad URLs and header fields are refused before any connection")
    func invalidRequests() throws {
        let client = try ClientHarness()
        for url in ["ftp://localhost/", "https://", "https://localhost:99999/", "https://local host/",
                    "https://user@localhost/", "localhost/echo", "https://localhost/a b"] {
            guard case .invalidURL? = client.get(url).error else {
                Issue.record("\(url) was not refused as a URL")
                continue
            }
        }
        let injected = client.get("https://localhost:1/", headers: [("X-Test", "a\r\nX-Evil: 1")]).error
        guard case .invalidRequest? = injected else {
            Issue.record("a header value with CRLF was not refused: \(String(describing: injected))")
            return
        }
        #expect(client.statistics.connectionsOpened == 0)
        #expect(client.stop() == 0)
    }

    @Test("an unknown host and a refused port fail with their own errors")
    func resolveAndConnect() throws {
        let client = try ClientHarness()
        guard case .resolve? = client.get("https://no-such-host.invalid/").error else {
            Issue.record("an unknown host did not fail to resolve")
            return
        }
        let closed = try TestHTTPServer()
        let port = closed.port
        closed.stop()
        guard case .connect(let reason)? = client.get("https://127.0.0.1:\(port)/").error else {
            Issue.record("a closed port did not refuse")
            return
        }
        #expect(reason.contains("ECONNREFUSED"), "\(reason)")
        #expect(client.stop() == 0)
    }

    @Test("shutdown fails queued requests, lets the one in flight finish and closes idle connections with close_notify")
    func shutdown() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = try ClientHarness { $0.maxConnectionsPerHost = 1 }
        let idle = try TestHTTPServer()
        defer { idle.stop() }
        #expect(client.get(idle.baseURL + "/echo").status == 200)
        // Slow enough to be still in flight when the others queue behind it.
        let slow = client.submit([HTTPClientRequest(method: .GET, url: server.baseURL + "/slow?ms=1000")])
        #expect(eventually { server.requestsReceived == 1 }, "the slow request is in flight")
        let queued = client.submit([HTTPClientRequest(method: .GET, url: server.baseURL + "/echo"),
                                    HTTPClientRequest(method: .POST, url: server.baseURL + "/echo")])
        let finished = DispatchSemaphore(value: 0)
        client.sync { client in client.shutdown { finished.signal() } }
        let results = slow() + queued()
        #expect(results[0].text == "slow")
        #expect(results[1].error == .shutdown)
        #expect(results[2].error == .shutdown)
        #expect(finished.wait(timeout: .now() + 10) == .success)
        #expect(eventually { idle.closeNotifiesReceived == 1 })
        #expect(client.get(server.baseURL + "/echo").error == .shutdown)
        #expect(client.statistics.openConnections == 0)
        #expect(client.stop() == 0)
    }
}
