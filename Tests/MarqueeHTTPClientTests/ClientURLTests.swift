@testable import MarqueeHTTPClient
import MarqueeHTTP
import Testing

/// URLs split into pool key and request target, and the request bytes.
@Suite("HTTP client: URLs and request bytes")
struct ClientURLTests {
    @Test("scheme, host, port and target are split out; the Host field names a port only when not the default")
    func parts() throws {
        let stripe = try ClientURL(parsing: "https://API.Stripe.com/v1/payment_intents?expand[]=x#frag")
        #expect(stripe.scheme == .https && stripe.host == "api.stripe.com" && stripe.port == 443)
        #expect(stripe.target == "/v1/payment_intents?expand[]=x")
        #expect(stripe.hostField == "api.stripe.com")
        let local = try ClientURL(parsing: "http://127.0.0.1:8080")
        #expect(local.port == 8080 && local.target == "/" && local.hostField == "127.0.0.1:8080")
        let query = try ClientURL(parsing: "https://localhost:8443?a=1")
        #expect(query.target == "/?a=1")
        let v6 = try ClientURL(parsing: "https://[::1]:8443/x")
        #expect(v6.host == "::1" && v6.port == 8443 && v6.hostField == "[::1]:8443")
        #expect(try ClientURL(parsing: "http://[::1]/").hostField == "[::1]")
        #expect(PoolKey(stripe) == PoolKey(try ClientURL(parsing: "https://api.stripe.com:443/v1/refunds")))
        #expect(PoolKey(stripe) != PoolKey(try ClientURL(parsing: "http://api.stripe.com:443/")))
    }

    @Test("the request carries Host, the caller's fields, and a length the client computes")
    func requestBytes() throws {
        let url = try ClientURL(parsing: "https://localhost:8443/v1/refunds")
        let request = HTTPClientRequest(method: .POST, url: url.target, headers: [
            ("Authorization", "Bearer sk_test_1"), ("Content-Length", "999"),
        ], body: Array("amount=1".utf8))
        let text = String(decoding: try RequestEncoding.encode(request, url: url, closeAfter: false), as: UTF8.self)
        #expect(text == "POST /v1/refunds HTTP/1.1\r\nHost: localhost:8443\r\nAuthorization: Bearer sk_test_1\r\n"
                + "Content-Length: 8\r\n\r\namount=1")
        let get = HTTPClientRequest(method: .GET, url: "", headers: [("Host", "other")])
        #expect(String(decoding: try RequestEncoding.encode(get, url: url, closeAfter: true), as: UTF8.self)
                == "GET /v1/refunds HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n")
        let badName = HTTPClientRequest(method: .GET, url: "", headers: [("Bad Name", "x")])
        #expect(throws: HTTPClientError.self) { try RequestEncoding.encode(badName, url: url, closeAfter: false) }
    }

    @Test("only idempotent methods, or requests with an Idempotency-Key, are replayable")
    func replayable() {
        #expect(HTTPClientRequest(method: .GET, url: "").isReplayable)
        #expect(HTTPClientRequest(method: .DELETE, url: "").isReplayable)
        #expect(!HTTPClientRequest(method: .POST, url: "").isReplayable)
        #expect(HTTPClientRequest(method: .POST, url: "", headers: [("idempotency-key", "k")]).isReplayable)
        #expect(!HTTPClientRequest(method: .PATCH, url: "", headers: [("X-Key", "k")]).isReplayable)
    }
}
