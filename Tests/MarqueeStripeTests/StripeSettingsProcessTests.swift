import Foundation
import Glibc
import MarqueeTestSupport
import Testing

/// `marquee serve` with PAYMENT_PROVIDER=stripe: what it refuses to start
/// with, and that the key never shows.
@Suite("Stripe settings of marquee serve", .serialized)
struct StripeSettingsProcessTests {
    static let liveKey = "sk_live_not_a_real_key_0123456789"

    func refusal(_ arguments: [String] = [], environment: [String: String]) throws -> (status: Int32, log: String) {
        let child = try ServeChild(["serve", "--port", "0", "--shards", "1"] + arguments,
                                   environment: ["PAYMENT_PROVIDER": "stripe"].merging(environment) { $1 })
        let status = child.waitForExit()
        return (status, child.log)
    }

    @Test("no key: refused, naming the variable")
    func missingKey() throws {
        let (status, log) = try refusal(environment: [:])
        #expect(status != 0 && status != -1)
        #expect(log.contains("PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY"), "\(log)")
    }

    @Test("a live key without allow-live-payments: refused, the key not echoed")
    func liveKeyRefused() throws {
        let (status, log) = try refusal(environment: ["STRIPE_SECRET_KEY": Self.liveKey])
        #expect(status != 0 && status != -1)
        #expect(log.contains("live key (sk_live_)") && log.contains("--allow-live-payments"), "\(log)")
        #expect(!log.contains(Self.liveKey))
    }

    @Test("a publishable key, or an http:// API base: refused")
    func otherRefusals() throws {
        let publishable = try refusal(environment: ["STRIPE_SECRET_KEY": "pk_test_0123456789"])
        #expect(publishable.status != 0 && publishable.status != -1)
        #expect(publishable.log.contains("not a Stripe secret key"), "\(publishable.log)")
        #expect(!publishable.log.contains("pk_test_0123456789"))
        let plain = try refusal(environment: ["STRIPE_SECRET_KEY": "sk_test_0123456789", "STRIPE_API_BASE": "http://127.0.0.1:1"])
        #expect(plain.status != 0 && plain.status != -1)
        #expect(plain.log.contains("STRIPE_API_BASE must be an https:// address"), "\(plain.log)")
    }

    @Test("the key is no flag: --stripe-secret-key is refused, saying where it goes")
    func keyIsNoFlag() throws {
        let (status, log) = try refusal(["--stripe-secret-key", "sk_test_0123456789"], environment: [:])
        #expect(status != 0 && status != -1)
        #expect(log.contains("STRIPE_SECRET_KEY is a secret: set it in the environment"), "\(log)")
    }

    @Test("a live key with --allow-live-payments starts, logs live mode, never the key")
    func liveKeyAllowed() throws {
        let child = try ServeChild(["serve", "--port", "0", "--shards", "1", "--allow-live-payments"],
                                   environment: ["PAYMENT_PROVIDER": "stripe", "STRIPE_SECRET_KEY": Self.liveKey])
        #expect(child.waitForPort() != nil, "\(child.log)")
        kill(child.process.processIdentifier, SIGTERM)
        #expect(child.waitForExit() == 0)
        #expect(child.log.contains("\"provider\":\"stripe\"") && child.log.contains("\"mode\":\"live\""), "\(child.log)")
        #expect(!child.log.contains(Self.liveKey))
    }
}
