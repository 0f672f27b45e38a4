@testable import MarqueeServer
import MarqueeTestSupport
import Testing

/// Whose address a request is: the peer's, or behind a trusted proxy the
/// client it forwarded for. Every per-address limit reads it.
@Suite("Client addresses behind trusted proxies")
struct TrustedProxiesTests {
    @Test("a trusted proxy's X-Forwarded-For names the client; the hops it and its kin added are skipped")
    func trustedProxy() throws {
        let proxies = try TrustedProxies(parsing: "10.0.0.0/8, 192.168.1.7")
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: ["203.0.113.9"]) == "203.0.113.9")
        // A chain of trusted proxies: the first untrusted hop from the right.
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: ["203.0.113.9, 192.168.1.7", "10.9.9.9"]) == "203.0.113.9")
        // Every hop trusted: the farthest one is the best we know.
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: ["10.4.4.4"]) == "10.4.4.4")
        // No header from a trusted proxy: the proxy itself is the client.
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: []) == "10.1.2.3")
    }

    @Test("from a peer that is not trusted, the header is ignored")
    func untrustedPeer() throws {
        let proxies = try TrustedProxies(parsing: "10.0.0.0/8")
        #expect(proxies.clientAddress(peer: "198.51.100.4", forwardedFor: ["10.0.0.1"]) == "198.51.100.4")
        #expect(TrustedProxies.none.clientAddress(peer: "127.0.0.1", forwardedFor: ["203.0.113.9"]) == "127.0.0.1")
    }

    @Test("a client's forged entries left of the proxy's own are never believed")
    func forgedHeader() throws {
        let proxies = try TrustedProxies(parsing: "127.0.0.1")
        // The client sent "X-Forwarded-For: 10.0.0.1, 127.0.0.1" and the proxy appended its peer.
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["10.0.0.1, 127.0.0.1, 198.51.100.4"]) == "198.51.100.4")
        // A hop that is no address cannot be limited by: the nearest real hop stands in.
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["198.51.100.4, not-an-ip"]) == "127.0.0.1")
    }

    @Test("ranges: IPv4 and IPv6 prefixes, single addresses, IPv4-mapped peers; bad ranges are refused")
    func ranges() throws {
        let proxies = try TrustedProxies(parsing: "172.16.0.0/12,fd00::/8, ::1 ,127.0.0.1")
        #expect(proxies.trusts("172.31.255.255"))
        #expect(!proxies.trusts("172.32.0.0"))
        #expect(proxies.trusts("fd12:3456::1"))
        #expect(!proxies.trusts("fe80::1"))
        #expect(proxies.trusts("::1"))
        #expect(proxies.trusts("::ffff:127.0.0.1"))
        #expect(!proxies.trusts("127.0.0.2"))
        #expect(try TrustedProxies(parsing: "").isEmpty)
        for bad in ["10.0.0.0/33", "fd00::/129", "example.com", "10.0.0.0/8/1", "10.0.0/8", "1.2.3.4/-1"] {
            #expect(throws: TrustedProxies.InvalidRange.self, "\(bad)") { try TrustedProxies(parsing: bad) }
        }
    }

    @Test("a request's client address over a real connection follows TRUSTED_PROXIES")
    func overTheWire() throws {
        let forwarded = get("/client-address", headers: "X-Forwarded-For: 10.0.0.1, 203.0.113.9\r\n")
        let behind = try TestServer.start { $0.trustedProxies = try! TrustedProxies(parsing: "127.0.0.0/8") }
        defer { behind.stop() }
        let client = try TestClient(port: behind.port)
        try client.send(forwarded)
        #expect(try client.readResponse().text == "203.0.113.9")

        let direct = try TestServer.start()
        defer { direct.stop() }
        let other = try TestClient(port: direct.port)
        try other.send(forwarded)
        #expect(try other.readResponse().text == "127.0.0.1", "no trusted proxies: the header is ignored")
    }
}
