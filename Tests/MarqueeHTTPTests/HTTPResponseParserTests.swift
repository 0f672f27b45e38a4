@testable import MarqueeHTTP
import Testing

/// Every case goes through `parsedResponses`, which also feeds the input
/// split in two at every byte and byte by byte and expects the same events.
@Suite("HTTP/1.1 response parser")
struct HTTPResponseParserTests {
    @Test("a status line, headers and a Content-Length body")
    func simpleResponse() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id:  abc \t\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"
        #expect(parsedResponses(text) == [#"200 "{\"ok\":true}" keep-alive"#])
        let response = try #require(firstResponse(text))
        #expect(response.head.version == .http1_1)
        #expect(response.head.statusCode == 200)
        #expect(response.head.reasonPhrase == "OK")
        #expect(response.head.headers["content-type"] == "application/json")
        #expect(response.head.headers["x-request-id"] == "abc")
        #expect(response.trailers.count == 0)
    }

    @Test("HTTP/1.0 and 1.1; the reason phrase may be empty, absent, or several words")
    func statusLines() {
        #expect(parsedResponses("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi") == [#"200 "hi" close"#])
        #expect(firstResponse("HTTP/1.1 204\r\n\r\n")?.head.reasonPhrase == "")
        #expect(firstResponse("HTTP/1.1 204 \r\n\r\n")?.head.reasonPhrase == "")
        #expect(firstResponse("HTTP/1.1 404 Not Found Here\r\nContent-Length: 0\r\n\r\n")?.head.reasonPhrase == "Not Found Here")
        #expect(parsedResponses("HTTP/1.1 402\r\nContent-Length: 2\r\n\r\n{}") == [#"402 "{}" keep-alive"#])
        #expect(firstResponse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")?.head.version == .http1_0)
    }

    @Test("malformed status and header lines are refused", arguments: [
        "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n",
        "HTTP/1.1 600 High\r\n\r\n", "HTTP/1.1  200 OK\r\n\r\n", "HTTP/1.1 200OK\r\n\r\n", "HTTX/1.1 200 OK\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n", "HTTP/11 200 OK\r\n\r\n", "ICY 200 OK\r\n\r\n", "HTTP/1.1 200 O\u{01}K\r\n\r\n",
        "HTTP/1.1 200 OK\nX: y\r\n\r\n", "HTTP/1.1 200 OK\r\nX: y\nZ: w\r\n\r\n", "\r\nHTTP/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\n folded: v\r\n\r\n", "HTTP/1.1 200 OK\r\nBad Name: v\r\n\r\n",
        "HTTP/1.1 200 OK\r\nName : v\r\n\r\n", "HTTP/1.1 200 OK\r\nX: a\u{7F}b\r\n\r\n",
    ])
    func malformed(_ text: String) {
        #expect(parsedResponses(text) == ["failure malformed_response"])
    }

    @Test("HTTP versions other than 1.0 and 1.1 are refused as such")
    func versions() {
        #expect(parsedResponses("HTTP/2.0 200 OK\r\n\r\n") == ["failure http_version_not_supported"])
        #expect(parsedResponses("HTTP/0.9 200 OK\r\n\r\n") == ["failure http_version_not_supported"])
    }

    @Test("a chunked body with extensions and trailers is decoded, the trailers kept")
    func chunked() throws {
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n1A ; a=\"b c\"\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nServer-Timing: db;dur=53\r\nX-Sum:  7 \r\n\r\n"
            + "HTTP/1.1 204 No Content\r\n\r\n"
        #expect(parsedResponses(text, methods: [.GET, .GET]) ==
                [#"200 "helloabcdefghijklmnopqrstuvwxyz" keep-alive"#, #"204 "" keep-alive"#])
        let response = try #require(firstResponse(text))
        #expect(response.trailers["server-timing"] == "db;dur=53")
        #expect(response.trailers["x-sum"] == "7")
        #expect(response.head.headers["transfer-encoding"] == "chunked")
    }

    @Test("malformed chunked bodies are refused", arguments: [
        "zz\r\n", "-1\r\n", "3\r\nabcX\r\n", "1234567890123456\r\n", "3 x\r\nabc\r\n", "3\nabc\r\n",
        "0\r\nbad trailer\r\n\r\n", "3;\u{01}\r\nabc\r\n",
        // A bare LF ends the size line whether or not a CRLF comes later.
        "0;\nX: y\r\n\r\n",
    ])
    func malformedChunks(_ body: String) {
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body) == ["failure malformed_response"])
    }

    @Test("a chunk-size line is limited in length, with the same answer however it arrives")
    func chunkSizeLineLimit() {
        let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        // "1;x=" plus padding: a line of exactly the limit, then one byte over.
        let atLimit = "1;x=" + String(repeating: "v", count: HTTPChunkedDecoder.maxChunkSizeLine - 4)
        #expect(parsedResponses(head + atLimit + "\r\na\r\n0\r\n\r\n") == [#"200 "a" keep-alive"#])
        #expect(parsedResponses(head + atLimit + "v\r\na\r\n0\r\n\r\n") == ["failure malformed_response"])
        #expect(parsedResponses(head + atLimit + "vv") == ["failure malformed_response"])
    }

    @Test("Content-Length and Transfer-Encoding together are refused, in either order, even where no body is due")
    func lengthAndCodingConflict() {
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") ==
                ["failure malformed_response"])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n") ==
                ["failure malformed_response"])
        #expect(parsedResponses("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n") ==
                ["failure malformed_response"])
    }

    @Test("negative, signed, non-numeric, oversized and conflicting lengths are refused", arguments: [
        "-3", "+3", "0x3", "3a", "three", "", "99999999999999999999999", "3, 4", "3,",
    ])
    func badLengths(_ value: String) {
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nContent-Length: \(value)\r\n\r\nabcd") == ["failure malformed_response"])
    }

    @Test("identical repeated lengths are one length")
    func repeatedLength() {
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi") == [#"200 "hi" keep-alive"#])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nhi") == [#"200 "hi" keep-alive"#])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nhi") ==
                ["failure malformed_response"])
    }

    @Test("transfer codings other than chunked alone are not decoded; Transfer-Encoding in HTTP/1.0 is refused")
    func transferCodings() {
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx", ended: true) ==
                ["failure transfer_encoding_not_implemented"])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n") ==
                ["failure transfer_encoding_not_implemented"])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n") == ["failure malformed_response"])
        #expect(parsedResponses("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == ["failure malformed_response"])
    }

    @Test("without a length the body runs to the close, and the connection is not reused")
    func untilClose() {
        #expect(parsedResponses("HTTP/1.0 200 OK\r\n\r\nall of it\r\n\r\nstill body", ended: true) ==
                [#"200 "all of it\r\n\r\nstill body" close"#])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\nuntil close", ended: true) ==
                [#"200 "until close" close"#])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\n\r\n", ended: true) == [#"200 "" close"#])
        // Until the end of input is signalled there is no response yet.
        #expect(parsedResponses("HTTP/1.0 200 OK\r\n\r\npartial").isEmpty)
    }

    @Test("no body after 204, 304 or a HEAD request, whatever the framing fields say")
    func noBody() {
        #expect(parsedResponses("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
                                methods: [.DELETE, .GET]) == [#"204 "" keep-alive"#, #"200 "x" keep-alive"#])
        #expect(parsedResponses("HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n") == [#"304 "" keep-alive"#])
        #expect(parsedResponses("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n") == [#"304 "" keep-alive"#])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", methods: [.HEAD]) == [#"200 "" keep-alive"#])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                                methods: [.HEAD, .GET]) == [#"200 "" keep-alive"#, #"200 "ok" keep-alive"#])
        // Without the HEAD the same bytes are a body awaited.
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n").isEmpty)
    }

    @Test("interim 1xx responses are skipped, or reported when asked, before the final one")
    func informational() throws {
        let text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
            + "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"
        #expect(parsedResponses(text, methods: [.POST]) == [#"201 "{}" keep-alive"#])
        #expect(parsedResponses(text, methods: [.POST], informational: true) ==
                ["100 interim", "103 interim", #"201 "{}" keep-alive"#])
        let events = feedResponses([Array(text.utf8)], methods: [.POST], informational: true)
        guard events.count == 3, case .informational(let hints) = events[1] else {
            Issue.record("expected 103 reported")
            return
        }
        #expect(hints.headers["link"] == "</a.css>; rel=preload")
    }

    @Test("101 Switching Protocols is final: the parser stops and hands over the bytes after it")
    func switchingProtocols() {
        var parser = HTTPResponseParser()
        parser.expectResponse(to: .GET)
        parser.append(Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".utf8) + [0x81, 0x02, 0x68, 0x69])
        guard case .response(let response) = parser.next() else {
            Issue.record("expected the 101 as a response")
            return
        }
        #expect(response.head.statusCode == 101)
        #expect(parser.next()?.summary == nil)
        #expect(parser.takeRemainingBytes() == [0x81, 0x02, 0x68, 0x69])
    }
}
