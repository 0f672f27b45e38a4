import MarqueePayments
@testable import MarqueeStripe
import MarqueeTestSupport
import Testing

/// Calls whose outcome is unknown are retried with the same idempotency
/// key, so Stripe does the work once; past the budget they are unavailable.
@Suite("Stripe provider retries", .serialized)
final class StripeRetryTests {
    let fake: FakeStripe

    init() throws {
        fake = try FakeStripe(certificate: try TestCertificates.shared.get().localhost)
    }

    deinit { fake.stop() }

    @Test("an answer later than the read timeout is retried with the same key and charges once")
    func timeoutChargesOnce() throws {
        // The fake creates the intent, then answers after 1.5 s; the client
        // gives up on it at 300 ms and asks again with the same key.
        let harness = try ProviderHarness(fake: fake) { $0.readTimeoutMilliseconds = 300 }
        defer { harness.stop() }
        try fake.inject(#"[{"kind":"delay","ms":1500,"path":"/v1/payment_intents"}]"#)
        let intent = try #require(harness.authorize(key: "attempt-timeout")?.intent)
        #expect(intent.status == .requiresCapture)
        #expect(harness.capture(intent.id)?.intent?.status == .succeeded)
        let stats = try fake.stats()
        #expect(stats["intents_created"] == 1, "charged once")
        #expect(stats["replays"] == 1, "the retry was answered from the first call")
        #expect(Array(stats.keys.prefix(2)) == ["attempt-timeout", "attempt-timeout"], "\(stats.keys)")
        #expect(stats["captures"] == 1)
    }

    @Test("5xx, 429 with Retry-After and dropped connections are retried, then succeed once")
    func transientFaults() throws {
        let harness = try ProviderHarness(fake: fake)
        defer { harness.stop() }
        try fake.inject("""
            [{"kind":"status","status":500},{"kind":"rate_limit","retry_after":0},{"kind":"drop_before"},
             {"kind":"drop_after"}]
            """)
        let intent = try #require(harness.authorize(key: "attempt-faults")?.intent)
        let stats = try fake.stats()
        #expect(stats["requests"] == 5 && stats["dropped"] == 2)
        #expect(stats["intents_created"] == 1, "the dropped answer's intent was replayed, not made again")
        #expect(Set(stats.keys) == ["attempt-faults"])
        #expect(harness.retrieve(intent.id)?.intent?.status == .requiresCapture)
        #expect(harness.logged.values.contains { $0.contains("retried") })
    }

    @Test("capture retried after a 503 uses one key derived from the intent")
    func captureRetried() throws {
        let harness = try ProviderHarness(fake: fake)
        defer { harness.stop() }
        let intent = try #require(harness.authorize()?.intent)
        try fake.inject(#"[{"kind":"status","status":503,"path":"/v1/payment_intents/"}]"#)
        #expect(harness.capture(intent.id)?.intent?.status == .succeeded)
        let stats = try fake.stats()
        #expect(stats["captures"] == 1)
        #expect(stats.keys.suffix(2) == ["capture-\(intent.id)", "capture-\(intent.id)"])
    }

    @Test("past its attempts the call is unavailable and nothing was charged")
    func budgetExhausted() throws {
        let harness = try ProviderHarness(fake: fake) { $0.retry.maxAttempts = 3 }
        defer { harness.stop() }
        try fake.inject(#"[{"kind":"status","status":503,"count":10}]"#)
        guard case .unavailable(let message)? = harness.authorize()?.error else {
            Issue.record("expected unavailable")
            return
        }
        #expect(message.contains("3 attempts"))
        let stats = try fake.stats()
        #expect(stats["requests"] == 3 && stats["intents_created"] == 0)
        #expect(harness.logged.values.contains { $0.contains("gave up") })
        #expect(!harness.logged.values.joined().contains(FakeStripe.secretKey), "the secret key was logged")
    }

    @Test("a Retry-After past the time budget is not waited for")
    func retryAfterPastBudget() throws {
        let harness = try ProviderHarness(fake: fake) { $0.retry.budgetMilliseconds = 2_000 }
        defer { harness.stop() }
        try fake.inject(#"[{"kind":"rate_limit","retry_after":30}]"#)
        let clock = ContinuousClock(), started = clock.now
        guard case .unavailable? = harness.authorize()?.error else {
            Issue.record("expected unavailable")
            return
        }
        // Far below the 30 s asked; the margin is for a loaded machine.
        #expect(clock.now - started < .seconds(10))
        #expect(try fake.stats()["requests"] == 1)
    }

    @Test("backoff doubles up to its cap, jitter stays within half, Retry-After is a floor")
    func backoff() {
        var policy = StripeRetryPolicy()
        policy.baseDelayMilliseconds = 100
        policy.maxDelayMilliseconds = 1_000
        #expect(policy.delay(after: 1, retryAfterSeconds: nil, random: { $0.lowerBound }) == 50)
        #expect(policy.delay(after: 1, retryAfterSeconds: nil, random: { $0.upperBound }) == 100)
        #expect(policy.delay(after: 3, retryAfterSeconds: nil, random: { $0.upperBound }) == 400)
        #expect(policy.delay(after: 9, retryAfterSeconds: nil, random: { $0.upperBound }) == 1_000)
        #expect(policy.delay(after: 1, retryAfterSeconds: 2, random: { $0.upperBound }) == 2_000)
    }
}
