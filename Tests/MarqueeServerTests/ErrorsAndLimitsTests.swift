import Glibc
import MarqueeTestSupport
import Testing

@Suite("HTTP server: errors, limits and timeouts", .serialized)
struct ErrorsAndLimitsTests {
    @Test("unknown path 404, wrong method 405 with Allow, bad id 400: all in the one error shape")
    func routingErrors() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send(get("/nowhere"))
        let notFound = try client.readResponse()
        #expect(notFound.status == 404)
        #expect(notFound.text.hasPrefix("{\"error\":{\"code\":\"not_found\",\"message\":"))
        try client.send("DELETE /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        let wrongMethod = try client.readResponse()
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["allow"] == "GET, HEAD")
        #expect(wrongMethod.text.contains("\"code\":\"method_not_allowed\""))
        try client.send(get("/items/abc"))
        let badID = try client.readResponse()
        #expect(badID.status == 400)
        #expect(badID.text.contains("\"code\":\"invalid_path_parameter\""))
        // The connection survives all three.
        try client.send(get("/healthz"))
        #expect(try client.readResponse().status == 200)
    }

    @Test("malformed and smuggling-shaped requests get 400 and the connection closes", arguments: [
        "GARBAGE\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde",
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nnope\r\n",
        "GET /healthz HTTP/1.1\r\n\r\n",
    ])
    func malformed(_ request: String) throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send(request)
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(response.headers["connection"] == "close")
        #expect(response.text.contains("\"code\":\"malformed_request\""))
        #expect(try client.waitForClose())
    }

    @Test("limits: big head 431, many headers 431, big body 413, other versions 505")
    func limits() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let cases: [(String, Int, String)] = [
            (get("/healthz", headers: "X-Big: \(String(repeating: "b", count: 2_000))\r\n"), 431, "headers_too_large"),
            (get("/healthz", headers: (0..<25).map { "X-\($0): v\r\n" }.joined()), 431, "too_many_headers"),
            ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n", 413, "body_too_large"),
            ("GET /healthz HTTP/2.0\r\nHost: t\r\n\r\n", 505, "http_version_not_supported"),
        ]
        for (request, status, code) in cases {
            let client = try TestClient(port: server.port)
            try client.send(request)
            let response = try client.readResponse()
            #expect(response.status == status)
            #expect(response.text.contains("\"code\":\"\(code)\""))
            #expect(try client.waitForClose())
        }
    }

    @Test("a head that does not arrive in time gets 408 and a close")
    func headerTimeout() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n")
        let response = try client.readResponse()
        #expect(response.status == 408)
        #expect(response.text.contains("\"code\":\"request_timeout\""))
        #expect(try client.waitForClose())
    }

    @Test("a body that stalls gets 408 and a close")
    func bodyTimeout() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        #expect(try client.readResponse().status == 408)
        #expect(try client.waitForClose())
    }

    @Test("a body that trickles, never stalling, gets 408 and a close at the whole-request deadline")
    func trickleTimeout() throws {
        let server = try TestServer.start { config in config.requestTimeoutMilliseconds = 1_000 }
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 30\r\n\r\n")
        // One byte per 100 ms: each gap well under the 400 ms stall limit,
        // the whole body (3 s) well past the 1 s request deadline. The
        // pacing is the slow client under test, not a wait for the server.
        for _ in 0..<30 {
            do { try client.send("x") } catch { break }
            usleep(100_000)
        }
        let response = try client.readResponse()
        #expect(response.status == 408)
        #expect(response.text.contains("\"code\":\"request_timeout\""))
        #expect(try client.waitForClose())
    }

    @Test("past the per-address limit a new connection gets 503 too_many_connections_from_address; other addresses do not")
    func perAddressLimit() throws {
        let server = try TestServer.start { config in config.maxConnectionsPerAddress = 2 }
        defer { server.stop() }
        let first = try TestClient(port: server.port, sourceHost: "127.0.0.5")
        let second = try TestClient(port: server.port, sourceHost: "127.0.0.5")
        for client in [first, second] {
            try client.send(get("/healthz"))
            #expect(try client.readResponse().status == 200)
        }
        let third = try TestClient(port: server.port, sourceHost: "127.0.0.5")
        let refused = try third.readResponse()
        #expect(refused.status == 503)
        #expect(refused.headers["retry-after"] == "1")
        #expect(refused.text.contains("\"code\":\"too_many_connections_from_address\""))
        #expect(try third.waitForClose())
        let other = try TestClient(port: server.port, sourceHost: "127.0.0.6")
        try other.send(get("/healthz"))
        #expect(try other.readResponse().status == 200)
        // A closed connection frees its place: the address gets in again.
        try first.send("GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        _ = try first.readResponse()
        #expect(try first.waitForClose())
        #expect(try pollUntil {
            let again = try TestClient(port: server.port, sourceHost: "127.0.0.5")
            try again.send(get("/healthz"))
            return (try? again.readResponse().status) == 200
        })
    }

    @Test("an idle keep-alive connection is closed after the idle timeout")
    func idleTimeout() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send(get("/healthz"))
        #expect(try client.readResponse().status == 200)
        // Staying silent is the test. TestServer's idle limit is far inside
        // the client's read timeout, so a slow machine still sees the close.
        #expect(try client.waitForClose())
    }

    @Test("past the connection limit a client is refused with 503, and admitted once one leaves")
    func connectionLimit() throws {
        let server = try TestServer.start { $0.maxConnections = 3 }
        defer { server.stop() }
        var clients = try (0..<3).map { _ in try TestClient(port: server.port) }
        for client in clients {
            try client.send(get("/healthz"))
            #expect(try client.readResponse().status == 200)
        }
        let refused = try TestClient(port: server.port)
        let response = try refused.readResponse()
        #expect(response.status == 503)
        #expect(response.text.contains("\"code\":\"too_many_connections\""))
        #expect(response.headers["retry-after"] == "1")
        #expect(try refused.waitForClose())

        clients.removeFirst()  // closes its socket
        // The slot frees when the server reads the close, just after; until
        // then a newcomer is refused (or reset before it reads the refusal).
        let admitted = eventually {
            guard let client = try? TestClient(port: server.port), (try? client.send(get("/healthz"))) != nil else { return false }
            return (try? client.readResponse().status) == 200
        }
        #expect(admitted)
    }
}

func usleepMilliseconds(_ milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    nanosleep(&request, nil)
}
