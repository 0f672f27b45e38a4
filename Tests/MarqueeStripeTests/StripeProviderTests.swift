import MarqueePayments
import MarqueeStripe
import MarqueeTestSupport
import Testing

/// The Stripe provider over real TLS against the local fake of Stripe.
@Suite("Stripe provider against the HTTPS fake", .serialized)
final class StripeProviderTests {
    let fake: FakeStripe

    init() throws {
        fake = try FakeStripe(certificate: try TestCertificates.shared.get().localhost)
    }

    deinit { fake.stop() }

    @Test("authorize, capture and refund round trip, each idempotent; the request is Stripe's shape")
    func captureAndRefund() throws {
        let harness = try ProviderHarness(fake: fake)
        defer { harness.stop() }
        let metadata = ["showtime": "7", "hold": "hld_7_3", "user": "42", "attempt": "9"]
        let authorized = try #require(harness.authorize(amount: 2_500, key: "attempt-9", metadata: metadata)?.intent)
        #expect(authorized.status == .requiresCapture)
        #expect(authorized.amountCents == 2_500 && authorized.currency == "usd")
        #expect(authorized.clientSecret == nil, "the client secret only travels when the buyer must act")

        let create = try #require(try fake.stats().log.first)
        #expect(create["path"] as? String == "/v1/payment_intents")
        #expect(create["idempotency_key"] as? String == "attempt-9")
        #expect(create["stripe_version"] as? String == StripeConfiguration.apiVersion)
        #expect(create["content_type"] as? String == "application/x-www-form-urlencoded")
        let form = try #require(create["form"] as? [String: String])
        #expect(form["capture_method"] == "manual" && form["confirm"] == "true")
        #expect(form["amount"] == "2500" && form["currency"] == "usd" && form["payment_method"] == "pm_card_visa")
        #expect(form["metadata[showtime]"] == "7" && form["metadata[hold]"] == "hld_7_3")
        #expect(form["metadata[user]"] == "42" && form["metadata[attempt]"] == "9")

        #expect(harness.retrieve(authorized.id)?.intent?.status == .requiresCapture)
        #expect(harness.capture(authorized.id)?.intent?.status == .succeeded)
        #expect(harness.capture(authorized.id)?.intent?.status == .succeeded, "capturing twice succeeds")
        #expect(harness.retrieve(authorized.id)?.intent?.status == .succeeded)
        let refunded = try #require(harness.refund(authorized.id)?.intent)
        #expect(refunded.status == .refunded && refunded.id == authorized.id && refunded.amountCents == 2_500)
        #expect(harness.refund(authorized.id)?.intent?.status == .refunded, "refunding twice succeeds")
        #expect(harness.retrieve(authorized.id)?.intent?.status == .refunded)
        let stats = try fake.stats()
        #expect(stats["intents_created"] == 1 && stats["captures"] == 1 && stats["refunds"] == 1)
        #expect(stats.keys.compactMap { $0 }.contains("capture-\(authorized.id)"))
        #expect(stats.keys.compactMap { $0 }.contains("refund-\(authorized.id)"))
    }

    @Test("cancel frees an authorisation, twice is fine; capture after it and unknown ids are refused")
    func cancel() throws {
        let harness = try ProviderHarness(fake: fake)
        defer { harness.stop() }
        let authorized = try #require(harness.authorize()?.intent)
        #expect(harness.cancel(authorized.id)?.intent?.status == .canceled)
        #expect(harness.cancel(authorized.id)?.intent?.status == .canceled)
        guard case .invalidState? = harness.capture(authorized.id)?.error else {
            Issue.record("capturing a cancelled intent must be refused")
            return
        }
        #expect(harness.retrieve("pi_never_issued")?.error == .notFound)
        #expect(harness.capture("pi_never_issued")?.error == .notFound)
        guard case .invalidState? = harness.refund(try #require(harness.authorize()?.intent).id)?.error else {
            Issue.record("refunding an uncaptured intent must be refused")
            return
        }
    }

    @Test("asked again once the keys expired: capture, cancel and refund still reach their end state once")
    func afterKeysExpired() throws {
        let harness = try ProviderHarness(fake: fake)
        defer { harness.stop() }
        let captured = try #require(harness.authorize()?.intent)
        let cancelled = try #require(harness.authorize()?.intent)
        #expect(harness.capture(captured.id)?.intent?.status == .succeeded)
        #expect(harness.refund(captured.id)?.intent?.status == .refunded)
        #expect(harness.cancel(cancelled.id)?.intent?.status == .canceled)
        // A later process (reconciliation) settles the same intents after
        // Stripe forgot the keys: Stripe refuses, the intent decides.
        try fake.forgetKeys()
        #expect(harness.refund(captured.id)?.intent?.status == .refunded)
        #expect(harness.cancel(cancelled.id)?.intent?.status == .canceled)
        let capturedAgain = try #require(harness.authorize()?.intent)
        #expect(harness.capture(capturedAgain.id)?.intent?.status == .succeeded)
        try fake.forgetKeys()
        #expect(harness.capture(capturedAgain.id)?.intent?.status == .succeeded)
        let stats = try fake.stats()
        #expect(stats["refunds"] == 1 && stats["cancels"] == 1 && stats["captures"] == 2)
    }

    @Test("3-D Secure: requires_action with the client secret and next action, capturable once authenticated")
    func threeDSecure() throws {
        let harness = try ProviderHarness(fake: fake)
        defer { harness.stop() }
        let pending = try #require(harness.authorize("pm_card_threeDSecureRequired")?.intent)
        #expect(pending.status == .requiresAction)
        #expect(pending.clientSecret?.hasPrefix(pending.id + "_secret_") == true)
        #expect(pending.nextAction?.type == "use_stripe_sdk")
        try fake.authenticate(pending.id)
        #expect(harness.retrieve(pending.id)?.intent?.status == .requiresCapture)
        #expect(harness.capture(pending.id)?.intent?.status == .succeeded)
    }

    @Test("declines keep Stripe's code and decline code", arguments: [
        ("pm_card_chargeDeclined", "card_declined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", nil),
        ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", nil),
    ] as [(String, String, String?)])
    func declines(method: String, code: String, declineCode: String?) throws {
        let harness = try ProviderHarness(fake: fake)
        defer { harness.stop() }
        guard case .declined(let gotCode, let gotDecline, let message)? = harness.authorize(method)?.error else {
            Issue.record("\(method) was not declined")
            return
        }
        #expect(gotCode == code && gotDecline == declineCode && !message.isEmpty)
        #expect(try fake.stats()["requests"] == 1, "a decline is an answer: not retried")
    }

    @Test("an unknown payment method, a reused key with other parameters, a wrong key")
    func refusals() throws {
        let harness = try ProviderHarness(fake: fake)
        defer { harness.stop() }
        guard case .invalidPaymentMethod? = harness.authorize("pm_nonsense")?.error else {
            Issue.record("pm_nonsense must be an invalid payment method")
            return
        }
        #expect(harness.authorize(amount: 1_000, key: "same")?.intent != nil)
        #expect(harness.authorize(amount: 1_000, key: "same")?.intent != nil, "the same request replays")
        #expect(harness.authorize(amount: 9_999, key: "same")?.error == .idempotencyConflict)
        #expect(try fake.stats()["intents_created"] == 1)

        let wrongKey = try ProviderHarness(fake: fake) { $0.secretKey = "sk_test_wrong_key_123" }
        defer { wrongKey.stop() }
        let before = try fake.stats()["requests"]
        guard case .unavailable(let message)? = wrongKey.authorize()?.error else {
            Issue.record("a refused API key must be unavailable")
            return
        }
        #expect(message.contains("401"))
        #expect(try fake.stats()["requests"] == before + 1, "a refused key is not retried")
        #expect(!wrongKey.logged.values.joined().contains("sk_test_wrong_key_123"), "the secret key was logged")
    }
}
