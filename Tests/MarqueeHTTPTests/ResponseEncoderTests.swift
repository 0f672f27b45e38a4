@testable import MarqueeHTTP
import Testing

@Suite("Response encoding")
struct ResponseEncoderTests {
    let date = Array("Wed, 25 Nov 2026 12:00:00 GMT".utf8)

    func encode(_ response: HTTPResponse, version: HTTPVersion = .http1_1, keepAlive: Bool = true,
                isHead: Bool = false, requestID: String? = nil) -> String {
        var out: [UInt8] = []
        HTTPResponseEncoder.encode(response, into: &out, date: date, version: version, keepAlive: keepAlive,
                                   isHead: isHead, requestID: requestID)
        return String(decoding: out, as: UTF8.self)
    }

    @Test("a JSON response has status line, Date, type, length and body")
    func json() {
        #expect(encode(.json(.ok, "{\"a\":1}"), requestID: "0-1") ==
                "HTTP/1.1 200 OK\r\nDate: Wed, 25 Nov 2026 12:00:00 GMT\r\nContent-Type: application/json\r\n"
                + "Content-Length: 7\r\nX-Request-Id: 0-1\r\n\r\n{\"a\":1}")
    }

    @Test("closing, HTTP/1.0 keep-alive, HEAD and 204 are framed correctly")
    func framing() {
        #expect(encode(.json(.ok, "{}"), keepAlive: false).contains("\r\nConnection: close\r\n"))
        #expect(encode(.json(.ok, "{}"), version: .http1_0).hasPrefix("HTTP/1.0 200 OK\r\n"))
        #expect(encode(.json(.ok, "{}"), version: .http1_0).contains("\r\nConnection: keep-alive\r\n"))
        let head = encode(.json(.ok, "{\"x\":true}"), isHead: true)
        #expect(head.contains("Content-Length: 10\r\n"))
        #expect(head.hasSuffix("\r\n\r\n"))
        let noContent = encode(HTTPResponse(status: .noContent))
        #expect(!noContent.contains("Content-Length"))
        #expect(noContent.hasSuffix("\r\n\r\n"))
    }

    @Test("extra header fields are written as given")
    func extraHeaders() {
        let text = encode(.error(.methodNotAllowed([.GET, .HEAD])))
        #expect(text.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        #expect(text.contains("\r\nAllow: GET, HEAD\r\n"))
    }

    @Test("lengths of every size are written in decimal")
    func decimal() {
        for value: Int64 in [0, 7, 10, 99, 100, 12_345, 1_048_576, Int64(Int32.max), -1, -90, Int64.max, Int64.min] {
            var out: [UInt8] = [UInt8(ascii: "x")]
            out.appendDecimal(value)
            #expect(String(decoding: out, as: UTF8.self) == "x" + String(value))
        }
    }
}

@Suite("HTTP dates")
struct HTTPDateTests {
    @Test("IMF-fixdate matches known instants", arguments: [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_795_000_000, "Wed, 18 Nov 2026 11:06:40 GMT"),
        (4_102_444_799, "Thu, 31 Dec 2099 23:59:59 GMT"),
    ])
    func knownDates(seconds: Int, expected: String) {
        #expect(HTTPDate.imfFixdate(unixSeconds: seconds) == expected)
    }
}

@Suite("Error shape")
struct APIErrorTests {
    @Test("every error is {\"error\":{\"code\",\"message\"}} with JSON escaping")
    func shape() {
        let error = APIError(.conflict, code: "seats_unavailable", message: "Seat \"F7\" is taken\n",
                             detailsJSON: "\"seats\":[\"F7\"]")
        #expect(error.jsonBody() ==
                "{\"error\":{\"code\":\"seats_unavailable\",\"message\":\"Seat \\\"F7\\\" is taken\\n\",\"details\":{\"seats\":[\"F7\"]}}}")
        #expect(JSONText.quoted("a\u{01}b\\") == "\"a\\u0001b\\\\\"")
    }

    @Test("parse errors map to their status and code")
    func parseErrors() {
        #expect(APIError(HTTPParseError.headTooLarge).status == .requestHeaderFieldsTooLarge)
        #expect(APIError(HTTPParseError.bodyTooLarge).code == "body_too_large")
        #expect(APIError(HTTPParseError.versionNotSupported).status.code == 505)
    }
}
