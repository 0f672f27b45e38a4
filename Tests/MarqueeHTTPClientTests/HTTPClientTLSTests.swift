import MarqueeCrypto
import MarqueeHTTPClient
import MarqueeTestSupport
import Testing

/// Servers the client must refuse at the TLS handshake, before a byte of
/// the request leaves, each with OpenSSL's reason in the error.
@Suite("HTTP client: TLS refusals")
struct HTTPClientTLSTests {
    /// The error of a GET to `server`, which must not have seen a request.
    func refusal(_ server: TestHTTPServer, _ configure: (inout HTTPClientConfiguration) -> Void = { _ in })
        throws -> String? {
        let client = try ClientHarness(configure)
        defer { client.stop() }
        let result = client.get(server.baseURL + "/echo")
        #expect(server.requestsReceived == 0)
        guard case .failure(.tls(let reason)) = result else {
            Issue.record("expected a TLS refusal, got \(result.text)")
            return nil
        }
        #expect(client.statistics.tlsHandshakes == 0)
        return reason
    }

    @Test("a certificate for another host name is refused")
    func otherHost() throws {
        let server = try TestHTTPServer(certificate: \.otherHost)
        defer { server.stop() }
        let reason = try refusal(server)
        #expect(reason?.contains(#"certificate verify failed for "localhost": hostname mismatch"#) == true, "\(reason ?? "")")
    }

    @Test("a self-signed certificate is refused")
    func selfSigned() throws {
        let server = try TestHTTPServer(certificate: \.selfSigned)
        defer { server.stop() }
        let reason = try refusal(server)
        #expect(reason?.contains("self-signed certificate") == true, "\(reason ?? "")")
    }

    @Test("an expired certificate is refused")
    func expired() throws {
        let server = try TestHTTPServer(certificate: \.expired)
        defer { server.stop() }
        let reason = try refusal(server)
        #expect(reason?.contains("certificate has expired") == true, "\(reason ?? "")")
    }

    @Test("a certificate from a CA outside the trust store is refused (the system bundle by default)")
    func systemBundle() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let reason = try refusal(server) { $0.caFile = nil }
        #expect(reason?.contains("unable to get local issuer certificate") == true, "\(reason ?? "")")
    }

    @Test("a server that speaks only TLS 1.1 is refused for its version")
    func tls11() throws {
        // TLSRefusalTests shows that this server really completes a TLS 1.1
        // handshake with a legacy client.
        let server = try TestHTTPServer(minimumVersion: .tls1_1, maximumVersion: .tls1_1)
        defer { server.stop() }
        let reason = try refusal(server)
        #expect(reason?.contains("protocol version") == true, "\(reason ?? "")")
        #expect(reason?.contains("TLS 1.2 or 1.3") == true, "\(reason ?? "")")
    }
}
