@testable import MarqueeHTTP
import Testing

@Suite("HTTP/1.1 request parser")
struct HTTPParserTests {
    @Test("a plain GET: method, target, path, query, headers")
    func simpleGet() throws {
        let request = try #require(firstRequest("GET /v1/movies?q=dune&limit=5 HTTP/1.1\r\nHost: example\r\nX-Thing:  spaced value \t\r\n\r\n"))
        #expect(request.head.method == .GET)
        #expect(request.head.target == "/v1/movies?q=dune&limit=5")
        #expect(request.head.path == "/v1/movies")
        #expect(request.head.query == "q=dune&limit=5")
        #expect(request.head.version == .http1_1)
        #expect(request.head.headers["host"] == "example")
        #expect(request.head.headers["x-thing"] == "spaced value")
        #expect(request.head.keepAlive)
        #expect(request.body.isEmpty)
    }

    @Test("methods: the seven known ones are their constants; any other token, other case included, is kept as sent")
    func methods() {
        let known: [(String, HTTPMethod)] = [("GET", .GET), ("HEAD", .HEAD), ("POST", .POST), ("PUT", .PUT), ("PATCH", .PATCH),
                                             ("DELETE", .DELETE), ("OPTIONS", .OPTIONS)]
        for (token, method) in known {
            #expect(firstRequest("\(token) / HTTP/1.1\r\nHost: a\r\n\r\n")?.head.method == method)
        }
        for token in ["get", "Post", "PUTS", "GETX", "DELETED", "CONNECT", "M-SEARCH", "OPTION", "X"] {
            let method = firstRequest("\(token) / HTTP/1.1\r\nHost: a\r\n\r\n")?.head.method
            #expect(method?.rawValue == token)
            #expect(!known.contains { $0.1 == method })
        }
    }

    @Test("keep-alive defaults: 1.1 stays open unless close; 1.0 closes unless keep-alive")
    func keepAliveRules() {
        #expect(firstRequest("GET / HTTP/1.1\r\nHost: a\r\n\r\n")?.head.keepAlive == true)
        #expect(firstRequest("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")?.head.keepAlive == false)
        #expect(firstRequest("GET / HTTP/1.0\r\n\r\n")?.head.keepAlive == false)
        #expect(firstRequest("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")?.head.keepAlive == true)
        #expect(firstRequest("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n")?.head.keepAlive == false)
    }

    @Test("pipelined requests in one buffer come out in order")
    func pipelining() {
        let text = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET /c HTTP/1.1\r\nHost: h\r\n\r\n"
        #expect(parse(text) == [
            .request(method: "GET", target: "/a", body: "", keepAlive: true),
            .request(method: "POST", target: "/b", body: "abc", keepAlive: true),
            .request(method: "GET", target: "/c", body: "", keepAlive: true),
        ])
    }

    @Test("a Content-Length body, and identical repeated lengths are one length")
    func contentLength() {
        #expect(parse("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello") ==
                [.request(method: "PUT", target: "/x", body: "hello", keepAlive: true)])
        #expect(parse("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi") ==
                [.request(method: "PUT", target: "/x", body: "hi", keepAlive: true)])
        #expect(parse("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n\r\nhi") ==
                [.request(method: "PUT", target: "/x", body: "hi", keepAlive: true)])
    }

    @Test("a chunked body with extensions and trailers is de-chunked")
    func chunked() {
        let text = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer-Field: yes\r\n\r\n"
            + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n"
        #expect(parse(text) == [
            .request(method: "POST", target: "/c", body: "helloabcdefghijklmnopqrstuvwxyz", keepAlive: true),
            .request(method: "GET", target: "/next", body: "", keepAlive: true),
        ])
    }

    @Test("Expect: 100-continue is announced before the body, only when a body is due")
    func expectContinue() {
        let head = "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        #expect(parse([Array(head.utf8), Array("data".utf8)]) ==
                [.continueExpected, .request(method: "POST", target: "/upload", body: "data", keepAlive: true)])
        #expect(parse("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n") ==
                [.request(method: "GET", target: "/", body: "", keepAlive: true)])
        #expect(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nExpect: teapot\r\n\r\nx") ==
                [.failure(status: 417, code: "expectation_failed")])
    }

    @Test("empty lines before a request line are ignored")
    func leadingEmptyLines() {
        #expect(parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n") ==
                [.request(method: "GET", target: "/", body: "", keepAlive: true)])
    }

    @Test("every request, split at every byte boundary, parses the same")
    func everySplit() {
        let corpus = [
            "GET /v1/movies?genre=drama HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n",
            "POST /v1/holds HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n{\"seats\":[\"F7\"]}\n",
            "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n",
            "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.0\r\n\r\n",
            "POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nok",
            "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/2.0\r\nHost: h\r\n\r\n",
        ]
        for text in corpus {
            let bytes = Array(text.utf8)
            let whole = parse([bytes], ignoringContinue: true)
            #expect(!whole.isEmpty)
            for split in 0...bytes.count {
                let parts = [Array(bytes[..<split]), Array(bytes[split...])]
                #expect(parse(parts, ignoringContinue: true) == whole, "split at \(split) of \(text.debugDescription)")
            }
            #expect(parse(bytes.map { [$0] }, ignoringContinue: true) == whole, "byte by byte: \(text.debugDescription)")
        }
    }

    @Test("request smuggling shapes are refused with 400", arguments: [
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\nabcd",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -3\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x3\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1234567890123456\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n folded: value\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nBad Name: v\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nName : v\r\n\r\n",
        "GET / HTTP/1.1\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{01}b\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET http://example.com/ HTTP/1.1\r\nHost: h\r\n\r\n",
        "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1 \r\nHost: h\r\n\r\n",
        "GET / HTTX/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/11\r\nHost: h\r\n\r\n",
    ])
    func malformed(_ text: String) {
        #expect(parse(text) == [.failure(status: 400, code: "malformed_request")])
    }

    @Test("HTTP versions other than 1.0 and 1.1 get 505")
    func versions() {
        #expect(parse("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == [.failure(status: 505, code: "http_version_not_supported")])
        #expect(parse("GET / HTTP/0.9\r\n\r\n") == [.failure(status: 505, code: "http_version_not_supported")])
    }

    @Test("unknown transfer codings get 501")
    func unknownTransferCoding() {
        #expect(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") ==
                [.failure(status: 501, code: "transfer_encoding_not_implemented")])
        #expect(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n") ==
                [.failure(status: 501, code: "transfer_encoding_not_implemented")])
    }

    @Test("a head over the size limit gets 431, whether complete or still arriving")
    func headTooLarge() {
        let limits = HTTPLimits(maxHeadBytes: 256)
        let big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "a", count: 300) + "\r\n\r\n"
        #expect(parse(big, limits: limits) == [.failure(status: 431, code: "headers_too_large")])
        let unfinished = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "a", count: 300)
        #expect(parse(unfinished, limits: limits) == [.failure(status: 431, code: "headers_too_large")])
        // The limit counts the request line and header lines with their
        // CRLFs, not the final blank line.
        let justFits = "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 226) + "\r\n\r\n"
        #expect(Array(justFits.utf8).count - 2 == 256)
        guard case .request = parse(justFits, limits: limits).first else {
            Issue.record("a head of exactly the limit is accepted")
            return
        }
        let oneOver = "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 227) + "\r\n\r\n"
        #expect(parse(oneOver, limits: limits) == [.failure(status: 431, code: "headers_too_large")])
    }

    @Test("more header fields than allowed get 431")
    func tooManyHeaders() {
        let limits = HTTPLimits(maxHeaderCount: 5)
        let ok = "GET / HTTP/1.1\r\nHost: h\r\n" + (1...4).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        let over = "GET / HTTP/1.1\r\nHost: h\r\n" + (1...5).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        #expect(parse(ok, limits: limits).count == 1)
        #expect(parse(over, limits: limits) == [.failure(status: 431, code: "too_many_headers")])
    }

    @Test("a body over the limit gets 413, declared or chunked")
    func bodyTooLarge() {
        let limits = HTTPLimits(maxBodyBytes: 10)
        #expect(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits) ==
                [.failure(status: 413, code: "body_too_large")])
        #expect(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\nabcde\r\n", limits: limits) ==
                [.failure(status: 413, code: "body_too_large")])
        #expect(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits) ==
                [.request(method: "POST", target: "/", body: "0123456789", keepAlive: true)])
    }

    @Test("after a failure the parser yields nothing more")
    func failureIsFinal() {
        var parser = HTTPParser()
        parser.append(Array("BAD\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        guard case .failure = parser.next() else {
            Issue.record("expected a failure")
            return
        }
        #expect(parser.next().map { _ in true } == nil)
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        #expect(parser.next().map { _ in true } == nil)
    }

    @Test("a keep-alive connection's buffer is reused, not grown, across requests")
    func bufferCompaction() {
        var parser = HTTPParser()
        for _ in 0..<1_000 {
            parser.append(Array("GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
            guard case .request = parser.next() else {
                Issue.record("expected a request")
                return
            }
            #expect(parser.isIdle)
        }
        #expect(parser.input.bytes.capacity < 1_024)
    }
}

