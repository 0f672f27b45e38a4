@testable import MarqueeHTTP
import Testing

/// The response parser over a connection's life: limits, reuse, pipelining,
/// and what the end of input means.
extension HTTPResponseParserTests {
    @Test("keep-alive: 1.1 stays open unless close; 1.0 only with keep-alive and a length")
    func keepAlive() {
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") == [#"200 "" keep-alive"#])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n") == [#"200 "" close"#])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n") ==
                [#"200 "" close"#])
        #expect(parsedResponses("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n") == [#"200 "" close"#])
        #expect(parsedResponses("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx") ==
                [#"200 "x" keep-alive"#])
    }

    @Test("pipelined responses in one buffer come out one by one, matched to their requests")
    func pipelining() {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
            + "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"
            + "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nno\r\n0\r\n\r\n"
            + "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"
        #expect(parsedResponses(text, methods: [.GET, .HEAD, .GET, .POST]) ==
                [#"200 "abc" keep-alive"#, #"200 "" keep-alive"#, #"404 "no" keep-alive"#, #"201 "{}" keep-alive"#])
    }

    @Test("a body over the limit is refused, declared, chunked or running to the close; one at the limit is not")
    func bodyLimit() {
        let limits = HTTPLimits(maxBodyBytes: 10)
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", limits: limits) == ["failure body_too_large"])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\nabcde\r\n",
                                limits: limits) == ["failure body_too_large"])
        #expect(parsedResponses("HTTP/1.0 200 OK\r\n\r\n0123456789x", limits: limits) == ["failure body_too_large"])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits) ==
                [#"200 "0123456789" keep-alive"#])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n",
                                limits: limits) == [#"200 "0123456789" keep-alive"#])
        #expect(parsedResponses("HTTP/1.0 200 OK\r\n\r\n0123456789", limits: limits, ended: true) == [#"200 "0123456789" close"#])
    }

    @Test("a head over the size limit, or with too many fields, is refused")
    func headLimits() {
        let small = HTTPLimits(maxHeadBytes: 128, maxHeaderCount: 3)
        let big = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 200)
        #expect(parsedResponses(big + "\r\n\r\n", limits: small) == ["failure headers_too_large"])
        #expect(parsedResponses(big, limits: small) == ["failure headers_too_large"])
        let three = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 0\r\n\r\n"
        #expect(parsedResponses(three, limits: small) == [#"200 "" keep-alive"#])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nContent-Length: 0\r\n\r\n", limits: small) ==
                ["failure too_many_headers"])
        let trailers = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"
        #expect(parsedResponses(trailers, limits: small) == ["failure too_many_headers"])
    }

    @Test("the end of input cuts a response short, or comes before it, with a typed error")
    func endOfInput() {
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nContent-Le", ended: true) == ["failure truncated_response"])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", ended: true) == ["failure truncated_response"])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", ended: true) ==
                ["failure truncated_response"])
        #expect(parsedResponses("", ended: true) == ["failure closed_before_response"])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", methods: [.GET, .GET], ended: true) ==
                [#"200 "x" keep-alive"#, "failure closed_before_response"])
        // Nothing outstanding: a close is the end of an idle connection, not an error.
        #expect(parsedResponses("", methods: [], ended: true).isEmpty)
    }

    @Test("bytes with no request outstanding are refused")
    func unexpectedBytes() {
        #expect(parsedResponses("HTTP/1.1 408 Request Timeout\r\n\r\n", methods: []) == ["failure unexpected_response"])
        #expect(parsedResponses("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxy") ==
                [#"200 "x" keep-alive"#, "failure unexpected_response"])
    }

    @Test("after a failure the parser yields nothing more, and the unanswered requests are counted")
    func failureIsFinal() {
        var parser = HTTPResponseParser()
        parser.expectResponse(to: .GET)
        parser.expectResponse(to: .GET)
        parser.append(Array("HTTP/1.1 2 OK\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8))
        #expect(parser.next()?.summary == "failure malformed_response")
        #expect(parser.next()?.summary == nil)
        parser.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8))
        parser.endOfInput()
        #expect(parser.next()?.summary == nil)
        #expect(parser.outstandingRequests == 2)
    }

    @Test("a keep-alive connection is idle between responses and its buffer is reused, not grown")
    func reuse() {
        var parser = HTTPResponseParser()
        for _ in 0..<1_000 {
            parser.expectResponse(to: .GET)
            #expect(!parser.isIdle)
            parser.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8))
            #expect(parser.next()?.summary == #"200 "ok" keep-alive"#)
            #expect(parser.isIdle)
        }
        #expect(parser.input.bytes.capacity < 1_024)
    }
}
