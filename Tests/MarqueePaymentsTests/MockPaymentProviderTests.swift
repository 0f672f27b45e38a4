import MarqueeLoop
@testable import MarqueePayments
import Testing

@Suite("Mock payment provider (Stripe test-card semantics)")
struct MockPaymentProviderTests {
    let loop = try! EventLoop(index: 0)

    func authorize(_ provider: MockPaymentProvider, _ method: String, key: String = "k", amount: Int = 2_500) -> Result<PaymentIntent, PaymentError>? {
        var outcome: Result<PaymentIntent, PaymentError>?
        provider.authorize(PaymentRequest(amountCents: amount, currency: "usd", paymentMethod: method, idempotencyKey: key),
                           on: loop) { outcome = $0 }
        return outcome
    }

    @Test("Stripe's test payment methods and cards decide the outcome", arguments: [
        ("pm_card_visa", "requires_capture"), ("4242424242424242", "requires_capture"), ("pm_card_mastercard", "requires_capture"),
        ("pm_card_authenticationRequired", "requires_action"), ("4000002760003184", "requires_action"),
        ("pm_card_chargeDeclined", "card_declined/generic_decline"), ("4000000000000002", "card_declined/generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "card_declined/insufficient_funds"), ("4000000000009995", "card_declined/insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card/-"), ("4000000000000069", "expired_card/-"),
        ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc/-"), ("4000000000000127", "incorrect_cvc/-"),
        ("pm_card_chargeDeclinedProcessingError", "processing_error/-"),
    ])
    func outcomes(method: String, expected: String) {
        let provider = MockPaymentProvider()
        switch authorize(provider, method) {
        case .success(let intent)?: #expect(intent.status.rawValue == expected)
        case .failure(.declined(let code, let decline, _))?: #expect("\(code)/\(decline ?? "-")" == expected)
        default: Issue.record("unexpected outcome for \(method)")
        }
    }

    @Test("an unknown payment method is refused")
    func unknownMethod() {
        guard case .failure(.invalidPaymentMethod)? = authorize(MockPaymentProvider(), "pm_card_nope") else {
            Issue.record("expected invalidPaymentMethod")
            return
        }
    }

    @Test("the same idempotency key replays the first answer; with another request it is a conflict")
    func idempotency() {
        let provider = MockPaymentProvider()
        let first = authorize(provider, "pm_card_visa", key: "checkout-1")
        #expect(authorize(provider, "pm_card_visa", key: "checkout-1") == first)
        #expect(authorize(provider, "pm_card_visa", key: "checkout-1", amount: 9_999) == .failure(.idempotencyConflict))
        #expect(authorize(provider, "pm_card_visa", key: "checkout-2") != first, "a new key is a new intent")
    }

    /// One call's own answer: nil when the call has not answered (so a
    /// check never reads an earlier call's result).
    func answer(_ call: (@escaping (Result<PaymentIntent, PaymentError>) -> Void) -> Void) -> Result<PaymentIntent, PaymentError>? {
        var result: Result<PaymentIntent, PaymentError>?
        call { result = $0 }
        return result
    }

    @Test("retrieve reads an intent's state and changes nothing; an id never issued is not found")
    func retrieve() throws {
        let provider = MockPaymentProvider()
        let intent = try #require(authorize(provider, "pm_card_visa")).get()
        #expect(try answer { provider.retrieve(intent.id, on: loop, $0) }?.get().status == .requiresCapture)
        #expect(try answer { provider.retrieve(intent.id, on: loop, $0) }?.get().status == .requiresCapture, "reading twice changes nothing")
        _ = answer { provider.capture(intent.id, on: loop, $0) }
        #expect(try answer { provider.retrieve(intent.id, on: loop, $0) }?.get().status == .succeeded)
        #expect(answer { provider.retrieve("pi_unknown", on: loop, $0) } == .failure(.notFound))
        let before = "pi_mock_7_abc_1200_usd"
        #expect(try answer { MockPaymentProvider().retrieve(before, on: loop, $0) }?.get().amountCents == 1_200,
                "an id from an earlier process is known from its own digits")
    }

    @Test("capture, cancel and refund follow the intent's states, idempotently")
    func lifecycle() throws {
        let provider = MockPaymentProvider()
        let intent = try #require(try authorize(provider, "pm_card_visa")?.get())
        guard case .failure(.invalidState)? = answer({ provider.refund(intent.id, on: loop, $0) }) else {
            Issue.record("refund before capture must fail"); return
        }
        #expect((try? answer { provider.capture(intent.id, on: loop, $0) }?.get())?.status == .succeeded)
        let again = answer { provider.capture(intent.id, on: loop, $0) }
        #expect((try? again?.get())?.status == .succeeded, "capturing twice is harmless: \(String(describing: again))")
        guard case .failure(.invalidState)? = answer({ provider.cancel(intent.id, on: loop, $0) }) else {
            Issue.record("cancel after capture must fail"); return
        }
        #expect((try? answer { provider.refund(intent.id, on: loop, $0) }?.get())?.status == .refunded)
        #expect(answer { provider.capture("pi_missing", on: loop, $0) } == .failure(.notFound))
    }

    @Test("pm_mock_providerUnavailable: the provider cannot be reached, and the key is not kept")
    func providerUnavailable() {
        let provider = MockPaymentProvider()
        guard case .failure(.unavailable)? = authorize(provider, "pm_mock_providerUnavailable", key: "retry-me") else {
            Issue.record("expected unavailable"); return
        }
        // A request that never reached the provider leaves no key: the same
        // key with another request authorises instead of conflicting.
        #expect((try? authorize(provider, "pm_card_visa", key: "retry-me")?.get())?.status == .requiresCapture)
    }

    @Test("pm_mock_captureFails: authorises, the capture is refused, and the intent can still be cancelled")
    func captureFails() throws {
        let provider = MockPaymentProvider()
        let intent = try #require(try authorize(provider, "pm_mock_captureFails")?.get())
        #expect(intent.status == .requiresCapture)
        guard case .failure(.invalidState)? = answer({ provider.capture(intent.id, on: loop, $0) }) else {
            Issue.record("the capture must be refused"); return
        }
        #expect((try? answer { provider.cancel(intent.id, on: loop, $0) }?.get())?.status == .canceled)
        let visa = try #require(try authorize(provider, "pm_card_visa", key: "other")?.get())
        #expect((try? answer { provider.capture(visa.id, on: loop, $0) }?.get())?.status == .succeeded, "other intents capture")
    }

    @Test("3-D Secure: an intent that requires action can be captured only after authentication")
    func threeDSecure() throws {
        let provider = MockPaymentProvider()
        let intent = try #require(try authorize(provider, "pm_card_authenticationRequired")?.get())
        var result: Result<PaymentIntent, PaymentError>?
        provider.capture(intent.id, on: loop) { result = $0 }
        guard case .failure(.invalidState)? = result else { Issue.record("capture before 3DS must fail"); return }
        #expect(provider.completeAuthentication(intent.id)?.status == .requiresCapture)
        provider.capture(intent.id, on: loop) { result = $0 }
        #expect((try? result?.get())?.status == .succeeded)
    }

    @Test("3-D Secure: the intent carries a client secret and next action; a failed authentication needs a new method and can be cancelled")
    func threeDSecureFails() throws {
        let provider = MockPaymentProvider()
        let intent = try #require(try authorize(provider, "pm_card_threeDSecureRequired")?.get())
        #expect(intent.status == .requiresAction)
        #expect(intent.clientSecret?.hasPrefix(intent.id + "_secret_") == true)
        #expect(intent.nextAction?.type == "use_stripe_sdk")
        let failed = provider.failAuthentication(intent.id)
        #expect(failed?.status == .requiresPaymentMethod && failed?.nextAction == nil)
        #expect(provider.completeAuthentication(intent.id) == nil, "only an intent awaiting authentication can finish it")
        guard case .failure(.invalidState)? = answer({ provider.capture(intent.id, on: loop, $0) }) else {
            Issue.record("a failed authentication cannot be captured"); return
        }
        #expect((try? answer { provider.cancel(intent.id, on: loop, $0) }?.get())?.status == .canceled)
    }

    @Test("the ledger is shared: an intent authorised through one shard's instance is known and authenticated through another's")
    func sharedLedger() throws {
        let ledger = MockPaymentLedger()
        let first = MockPaymentProvider(ledger: ledger), second = MockPaymentProvider(ledger: ledger)
        let intent = try #require(try authorize(first, "pm_card_authenticationRequired")?.get())
        #expect(second.completeAuthentication(intent.id)?.status == .requiresCapture)
        #expect((try? answer { first.retrieve(intent.id, on: loop, $0) }?.get())?.status == .requiresCapture)
        #expect(try authorize(second, "pm_card_authenticationRequired") == .success(intent), "the idempotency key is shared too")
    }

    @Test("pm_mock_refundFailsOnce: the first refund's answer is lost (unavailable); the retry refunds")
    func refundFailsOnce() throws {
        let provider = MockPaymentProvider()
        let intent = try #require(try authorize(provider, "pm_mock_refundFailsOnce")?.get())
        #expect((try? answer { provider.capture(intent.id, on: loop, $0) }?.get())?.status == .succeeded)
        guard case .failure(.unavailable)? = answer({ provider.refund(intent.id, on: loop, $0) }) else {
            Issue.record("the first refund must fail"); return
        }
        #expect((try? answer { provider.refund(intent.id, on: loop, $0) }?.get())?.status == .refunded)
    }

    @Test("configured latency delays the answer on the loop")
    func latency() {
        let loop = try! EventLoop(index: 1)
        let provider = MockPaymentProvider(latencyMilliseconds: 30)
        var answeredAfter: UInt64?
        let start = loop.now
        provider.authorize(PaymentRequest(amountCents: 100, currency: "usd", paymentMethod: "pm_card_visa", idempotencyKey: "x"), on: loop) { _ in
            answeredAfter = loop.now - start
            loop.allowExit()
        }
        #expect(answeredAfter == nil, "not answered synchronously")
        loop.run()
        #expect((answeredAfter ?? 0) >= 29)
        #expect(loop.close() == 0)
    }
}

extension MockPaymentProviderTests {
    @Test("memory is bounded: old intents are known again from their ids, recent keys still replay")
    func boundedMemory() throws {
        let provider = MockPaymentProvider(memory: 3)
        let oldest = try #require(try authorize(provider, "pm_card_visa", key: "k0")?.get())
        var latest: PaymentIntent?
        for index in 1...20 { latest = try authorize(provider, "pm_card_visa", key: "k\(index)")?.get() }
        #expect(provider.remembered <= 2 * 3 * 2, "intents and keys, two generations each")
        var result: Result<PaymentIntent, PaymentError>?
        provider.capture(oldest.id, on: loop) { result = $0 }
        #expect((try? result?.get())?.status == .succeeded, "an evicted intent is rebuilt from its id")
        #expect((try? result?.get())?.amountCents == 2_500)
        #expect(try authorize(provider, "pm_card_visa", key: "k20")?.get() == latest, "a recent key replays")
    }
}

@Suite("Recent map")
struct RecentMapTests {
    @Test("holds at most two generations; the last generation's writes are always kept")
    func bounded() {
        var map = RecentMap<Int, Int>(generationSize: 4)
        for key in 0..<100 {
            map[key] = key * 10
            #expect(map.count <= 8)
            for recent in max(0, key - 3)...key { #expect(map[recent] == recent * 10) }
        }
        #expect(map[0] == nil)
        map[99] = nil
        #expect(map[99] == nil)
        map[98] = 1
        #expect(map[98] == 1, "a rewrite replaces, in whichever generation it was")
    }
}
