@testable import MarqueeCrypto
import MarqueeTestSupport
import Testing

/// Each server a payment client must refuse, refused with its own typed
/// error and a reason a log reader understands; the server sees the
/// client's alert and fails too.
@Suite("TLS refusals")
struct TLSRefusalTests {
    /// The client's error after a handshake against `server`; records an
    /// issue and returns nil if the handshake did not fail.
    func refusal(server: TLSServerContext, client: TLSClientContext? = nil,
                 serverName: String = "localhost") throws -> (client: TLSError, server: TLSSession.HandshakeStep)? {
        let pipe = try TLSFixtures.pipe(client: try client ?? TLSFixtures.client(), server: server, serverName: serverName)
        let steps = pipe.handshake()
        guard case .failed(let error) = steps.client else {
            Issue.record("the client accepted the server: \(steps.client)")
            return nil
        }
        #expect(throws: TLSError.self, "no data after a refusal") { try pipe.client.write([1]) }
        return (error, steps.server)
    }

    /// The alert the client sent, as the server reports it.
    func serverSaw(_ step: TLSSession.HandshakeStep, _ alert: String) {
        guard case .failed(let error) = step else {
            Issue.record("the server did not fail: \(step)")
            return
        }
        #expect(error.reason.contains(alert), "\(error.reason)")
    }

    @Test("a certificate for another host name is refused")
    func otherHost() throws {
        guard let result = try refusal(server: try TLSFixtures.server(\.otherHost)) else { return }
        #expect(result.client.kind == .hostNameMismatch)
        #expect(result.client.reason == #"certificate verify failed for "localhost": hostname mismatch"#)
        serverSaw(result.server, "alert bad certificate")
    }

    @Test("a self-signed certificate is refused")
    func selfSigned() throws {
        guard let result = try refusal(server: try TLSFixtures.server(\.selfSigned)) else { return }
        #expect(result.client.kind == .untrustedCertificate)
        #expect(result.client.reason == #"certificate verify failed for "localhost": self-signed certificate"#)
        serverSaw(result.server, "alert unknown ca")
    }

    @Test("a certificate from a CA the client does not trust is refused")
    func unknownCA() throws {
        // The system bundle does not hold the test CA.
        guard let result = try refusal(server: try TLSFixtures.server(), client: try TLSClientContext()) else { return }
        #expect(result.client.kind == .untrustedCertificate)
        #expect(result.client.reason
                == #"certificate verify failed for "localhost": unable to get local issuer certificate"#)
        serverSaw(result.server, "alert unknown ca")
    }

    @Test("an expired certificate is refused")
    func expired() throws {
        guard let result = try refusal(server: try TLSFixtures.server(\.expired)) else { return }
        #expect(result.client.kind == .certificateExpired)
        #expect(result.client.reason == #"certificate verify failed for "localhost": certificate has expired"#)
        serverSaw(result.server, "alert certificate expired")
    }

    @Test("a server that speaks only TLS 1.1 is refused for its protocol version")
    func tls11() throws {
        let server = try TLSFixtures.server(minimumVersion: .tls1_1, maximumVersion: .tls1_1)
        // A legacy client (test-only) shows the server really speaks TLS 1.1...
        let legacy = try TLSClientContext(caFile: try TLSFixtures.certificates().caFile, resumesSessions: false,
                                          minimumVersion: .tls1_1)
        let oldPipe = try TLSFixtures.pipe(client: legacy, server: server)
        #expect(oldPipe.handshake().client == .done)
        #expect(oldPipe.client.protocolVersion == .tls1_1)
        // ...so the refusal comes from the client's TLS 1.2 floor.
        guard let result = try refusal(server: server) else { return }
        #expect(result.client.kind == .protocolVersion)
        #expect(result.client.reason.contains("protocol version"), "\(result.client.reason)")
        guard case .failed(let serverError) = result.server else {
            Issue.record("the TLS 1.1 server did not see the refusal: \(result.server)")
            return
        }
        #expect(serverError.kind == .protocolVersion, "\(serverError.reason)")
    }

    @Test("bytes that are not TLS fail the handshake")
    func notTLS() throws {
        let client = try TLSFixtures.client().makeSession(serverName: "localhost")
        #expect(client.handshake() == .wantWrite)
        _ = client.takeCiphertext()
        client.receive(Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8))
        var step = client.handshake()
        while step == .wantWrite {
            _ = client.takeCiphertext()
            step = client.handshake()
        }
        guard case .failed(let error) = step else {
            Issue.record("an HTTP answer passed for a handshake: \(step)")
            return
        }
        #expect(error.kind == .handshakeFailure)
        #expect(error.reason.contains("wrong version number"), "\(error.reason)")
    }

    @Test("a missing CA file, or a key that does not match its certificate, is a configuration error")
    func configuration() throws {
        let certificates = try TLSFixtures.certificates()
        let missing = #expect(throws: TLSError.self) { try TLSClientContext(caFile: certificates.directory + "/none.pem") }
        #expect(missing?.kind == .configuration)
        #expect(missing?.reason.contains("none.pem") == true, "\(missing?.reason ?? "")")
        let mismatched = #expect(throws: TLSError.self) {
            try TLSServerContext(certificateChainFile: certificates.localhost.certificate,
                                 privateKeyFile: certificates.otherHost.key)
        }
        #expect(mismatched?.kind == .configuration)
        #expect(mismatched?.reason.contains("key values mismatch") == true, "\(mismatched?.reason ?? "")")
    }
}
