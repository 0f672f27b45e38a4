import MarqueeTestSupport
import Testing

@Suite("HTTP server: keep-alive and pipelining", .serialized)
struct KeepAliveAndPipeliningTests {
    @Test("several requests share one keep-alive connection")
    func keepAlive() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        for _ in 0..<5 {
            try client.send(get("/healthz"))
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "{\"status\":\"ok\"}")
            #expect(response.headers["connection"] == nil)
            #expect(response.headers["date"]?.hasSuffix(" GMT") == true)
        }
    }

    @Test("pipelined requests are answered in order, in one go")
    func pipelining() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send((0..<20).map { get("/healthz", headers: "X-Request-Id: req-\($0)\r\n") }.joined())
        for index in 0..<20 {
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.headers["x-request-id"] == "req-\(index)")
        }
    }

    @Test("a slow response holds back the fast ones behind it: order is kept")
    func orderWithSlowHandler() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send(get("/slow") + get("/healthz") + get("/items/7"))
        #expect(try client.readResponse().text == "{\"slow\":true}")
        #expect(try client.readResponse().text == "{\"status\":\"ok\"}")
        #expect(try client.readResponse().text == "{\"id\":7}")
    }

    @Test("Connection: close is honoured after the response")
    func connectionClose() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send(get("/healthz", headers: "Connection: close\r\n") + get("/healthz"))
        let response = try client.readResponse()
        #expect(response.headers["connection"] == "close")
        #expect(try client.waitForClose())
        #expect(client.unreadBytes == 0, "nothing answered after the closing response")
    }

    @Test("HTTP/1.0 gets an HTTP/1.0 response and the connection closes")
    func http10() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("GET /healthz HTTP/1.0\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.headers["connection"] == "close")
        #expect(try client.waitForClose())
    }

    @Test("request bodies arrive whole: Content-Length, chunked, and after 100-continue")
    func bodies() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello")
        #expect(try client.readResponse().text == "hello")
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n")
        #expect(try client.readResponse().text == "abcdefg")
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        try client.send("body")
        let final = try client.readResponse()
        #expect(final.status == 200)
        #expect(final.text == "body")
    }

    @Test("HEAD gets the GET response's head without a body")
    func head() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send("HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n" + get("/items/3"))
        let head = try client.readResponse(forHead: true)
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == "15")
        #expect(try client.readResponse().text == "{\"id\":3}")
    }
}
