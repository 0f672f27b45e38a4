import MarqueePayments
import MarqueeStripe
import MarqueeTestSupport
import Testing

/// A server whose certificate we must not trust never sees a payment call.
@Suite("Stripe provider refuses untrusted servers", .serialized)
struct StripeTLSRefusalTests {
    enum Served: String, CaseIterable, Sendable {
        case otherHostName, selfSigned, expired
    }

    @Test("a certificate for another host, self-signed or expired: unavailable, no call reached the server",
          arguments: Served.allCases)
    func refused(_ served: Served) throws {
        let certificates = try TestCertificates.shared.get()
        let pair = switch served {
        case .otherHostName: certificates.otherHost
        case .selfSigned: certificates.selfSigned
        case .expired: certificates.expired
        }
        let fake = try FakeStripe(certificate: pair)
        defer { fake.stop() }
        let harness = try ProviderHarness(fake: fake)
        defer { harness.stop() }
        guard case .unavailable(let message)? = harness.authorize()?.error else {
            Issue.record("\(served): expected unavailable")
            return
        }
        #expect(message.contains("TLS"), "\(message)")
        #expect(eventually { (try? fake.stats()["tls_failures"]) ?? 0 >= 1 }, "the fake saw no refused handshake")
        let stats = try fake.stats()
        #expect(stats["requests"] == 0, "a request reached an untrusted server")
        #expect(stats["tls_failures"] == 1, "a refused certificate is not retried")
        #expect(harness.logged.values.contains { $0.contains("payment provider refused: TLS") }, "the refusal was not logged")
    }
}
