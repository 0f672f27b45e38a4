import MarqueeLoop

/// The built-in provider: no network, no keys. Stripe's test payment
/// methods and card numbers decide the outcome, as they would in Stripe's
/// test mode, after a configurable latency. Intents live in memory, and
/// their ids carry their amount and currency (`pi_mock_<n>_<random>_<amount>_<currency>`):
/// after a restart an id the mock issued is still known, as a real
/// provider's would be, so recovery can capture, cancel or refund it.
/// One instance per shard; their state is one `MockPaymentLedger`, shared,
/// so an intent made on one shard is known on every other (as Stripe's
/// are), and the mock's test endpoints can finish 3-D Secure from any shard.
public final class MockPaymentProvider: PaymentProvider {
    enum Outcome {
        case approve
        case requireAction
        case decline(code: String, declineCode: String?, message: String)
        case unavailable
        case approveThenRefuseCapture
        case approveThenRefuseFirstRefund
    }

    /// Stripe's documented test PaymentMethods and cards, and two of the
    /// mock's own for failures no Stripe test card produces (they exist in
    /// no Stripe account, so they can never reach a real provider):
    /// - `pm_mock_providerUnavailable`: the provider cannot be reached;
    ///   authorising answers `unavailable` and, like a request that never
    ///   arrived, leaves no idempotency key behind;
    /// - `pm_mock_captureFails`: authorises, but the capture is refused
    ///   (`invalidState`, as Stripe refuses an authorisation that lapsed).
    ///   Only this process remembers it: after a restart the intent
    ///   captures like any other;
    /// - `pm_mock_refundFailsOnce`: authorises and captures, but the first
    ///   refund answers `unavailable` (a refund whose outcome is unknown);
    ///   later ones succeed, so a retry settles it.
    /// `pm_card_threeDSecureRequired` needs 3-D Secure like Stripe's
    /// `pm_card_authenticationRequired`; tests finish it with
    /// `completeAuthentication` or `failAuthentication`.
    static func outcome(for method: String) -> Outcome? {
        switch method {
        case "pm_mock_providerUnavailable":
            return .unavailable
        case "pm_mock_captureFails":
            return .approveThenRefuseCapture
        case "pm_mock_refundFailsOnce":
            return .approveThenRefuseFirstRefund
        case "pm_card_visa", "pm_card_mastercard", "pm_card_amex", "pm_card_discover", "pm_card_visa_debit",
             "4242424242424242", "5555555555554444", "378282246310005", "6011111111111117":
            return .approve
        case "pm_card_authenticationRequired", "pm_card_threeDSecure2Required", "pm_card_threeDSecureRequired", "4000002760003184", "4000000000003220":
            return .requireAction
        case "pm_card_chargeDeclined", "4000000000000002":
            return .decline(code: "card_declined", declineCode: "generic_decline", message: "Your card was declined.")
        case "pm_card_chargeDeclinedInsufficientFunds", "4000000000009995":
            return .decline(code: "card_declined", declineCode: "insufficient_funds", message: "Your card has insufficient funds.")
        case "pm_card_chargeDeclinedExpiredCard", "4000000000000069":
            return .decline(code: "expired_card", declineCode: nil, message: "Your card has expired.")
        case "pm_card_chargeDeclinedIncorrectCvc", "4000000000000127":
            return .decline(code: "incorrect_cvc", declineCode: nil, message: "Your card's security code is incorrect.")
        case "pm_card_chargeDeclinedProcessingError", "4000000000000119":
            return .decline(code: "processing_error", declineCode: nil, message: "An error occurred while processing your card.")
        default:
            return nil
        }
    }

    public let latencyMilliseconds: UInt64
    public let ledger: MockPaymentLedger

    /// Intents, idempotency keys and refused captures held now (for tests of the bound).
    var remembered: Int { ledger.state.withLock { $0.intents.count + $0.byIdempotencyKey.count + $0.refusedCaptures.count } }

    /// `memory`: intents, idempotency keys and refused captures kept, each
    /// (between this and twice this), when no shared `ledger` is given.
    public init(latencyMilliseconds: UInt64 = 0, memory: Int = 50_000, ledger: MockPaymentLedger? = nil) {
        self.latencyMilliseconds = latencyMilliseconds
        self.ledger = ledger ?? MockPaymentLedger(memory: memory)
    }

    public func authorize(_ request: PaymentRequest, on loop: EventLoop,
                          _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        let result = ledger.state.withLock { state in Self.authorize(request, in: &state) }
        answer(result, on: loop, completion)
    }

    private static func authorize(_ request: PaymentRequest, in state: inout MockPaymentLedger.State) -> Result<PaymentIntent, PaymentError> {
        if let earlier = state.byIdempotencyKey[request.idempotencyKey] {
            return earlier.request == request ? earlier.result : .failure(.idempotencyConflict)
        }
        let result: Result<PaymentIntent, PaymentError>
        let outcome = Self.outcome(for: request.paymentMethod)
        switch outcome {
        case nil:
            result = .failure(.invalidPaymentMethod("No such PaymentMethod: '\(request.paymentMethod)'"))
        case .decline(let code, let declineCode, let message):
            result = .failure(.declined(code: code, declineCode: declineCode, message: message))
        case .unavailable:
            return .failure(.unavailable("The payment provider could not be reached (\(request.paymentMethod))."))
        case .approve, .requireAction, .approveThenRefuseCapture, .approveThenRefuseFirstRefund:
            guard request.amountCents > 0 else {
                result = .failure(.invalidState("amount must be positive"))
                break
            }
            state.nextID += 1
            let needsAction = if case .requireAction = outcome { true } else { false }
            let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            var intent = PaymentIntent(id: "pi_mock_\(state.nextID)_\(random)_\(request.amountCents)_\(request.currency)",
                                       status: needsAction ? .requiresAction : .requiresCapture,
                                       amountCents: request.amountCents, currency: request.currency)
            if needsAction {
                // Stripe's shapes: the secret Stripe.js takes, and the SDK's action.
                intent.clientSecret = intent.id + "_secret_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
                intent.nextAction = PaymentIntent.NextAction(type: "use_stripe_sdk")
            }
            state.intents[intent.id] = intent
            if case .approveThenRefuseCapture = outcome { state.refusedCaptures[intent.id] = true }
            if case .approveThenRefuseFirstRefund = outcome { state.refusedRefunds[intent.id] = true }
            result = .success(intent)
        }
        state.byIdempotencyKey[request.idempotencyKey] = (request, result)
        return result
    }

    /// Completes 3-D Secure for an intent that required it (what the
    /// customer's bank page and Stripe's webhook do in the real flow).
    public func completeAuthentication(_ intentID: String) -> PaymentIntent? {
        ledger.finishAuthentication(intentID, succeeded: true)
    }

    /// Fails 3-D Secure (the buyer cancelled, or the bank refused): the
    /// intent needs a new payment method, as Stripe's does then.
    public func failAuthentication(_ intentID: String) -> PaymentIntent? {
        ledger.finishAuthentication(intentID, succeeded: false)
    }

    public func capture(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        if ledger.state.withLock({ $0.refusedCaptures[intentID] != nil }) {
            answer(.failure(.invalidState("The authorisation expired before it was captured.")), on: loop, completion)
            return
        }
        transition(intentID, from: [.requiresCapture], to: .succeeded, on: loop, completion)
    }

    public func cancel(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        transition(intentID, from: [.requiresCapture, .requiresAction, .requiresPaymentMethod], to: .canceled, on: loop, completion)
    }

    public func refund(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        let refused = ledger.state.withLock { state in
            guard state.refusedRefunds[intentID] != nil else { return false }
            state.refusedRefunds[intentID] = nil
            return true
        }
        if refused {
            answer(.failure(.unavailable("The refund's answer was lost (pm_mock_refundFailsOnce).")), on: loop, completion)
            return
        }
        transition(intentID, from: [.succeeded], to: .refunded, on: loop, completion)
    }

    /// An intent from an earlier process is reported in the mock's
    /// authorised state (`requiresCapture`): the mock keeps no record
    /// across restarts, and capture, cancel and refund are idempotent, so
    /// whoever reconciles it reaches the right end state from there.
    public func retrieve(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        guard let intent = ledger.intent(intentID) ?? Self.issuedBeforeRestart(intentID, status: .requiresCapture) else {
            answer(.failure(.notFound), on: loop, completion)
            return
        }
        answer(.success(intent), on: loop, completion)
    }

    /// Idempotent like Stripe: asking for the state an intent is already in succeeds.
    private func transition(_ id: String, from allowed: Set<PaymentIntent.Status>, to target: PaymentIntent.Status,
                            on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        let result: Result<PaymentIntent, PaymentError> = ledger.state.withLock { state in
            guard var intent = state.intents[id] ?? Self.issuedBeforeRestart(id, status: allowed.first ?? target) else {
                return .failure(.notFound)
            }
            if intent.status == target { return .success(intent) }
            guard allowed.contains(intent.status) else {
                return .failure(.invalidState("cannot go from \(intent.status.rawValue) to \(target.rawValue)"))
            }
            intent.status = target
            state.intents[id] = intent
            return .success(intent)
        }
        answer(result, on: loop, completion)
    }

    /// An intent id this mock issued in an earlier process: known again, in
    /// the state the asked transition starts from.
    static func issuedBeforeRestart(_ id: String, status: PaymentIntent.Status) -> PaymentIntent? {
        let parts = id.split(separator: "_")
        guard parts.count == 6, parts[0] == "pi", parts[1] == "mock", let amount = Int(parts[4]), amount > 0 else { return nil }
        return PaymentIntent(id: id, status: status, amountCents: amount, currency: String(parts[5]))
    }

    private func answer(_ result: Result<PaymentIntent, PaymentError>, on loop: EventLoop,
                        _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        guard latencyMilliseconds > 0 else {
            completion(result)
            return
        }
        let timer = LoopTimer(loop: loop)
        timer.start(after: latencyMilliseconds) {
            timer.close()
            completion(result)
        }
    }
}

/// The mock's memory, shared by the instances of all shards: the latest
/// intents and idempotency keys, bounded (a long-running server makes one
/// of each per checkout). An intent forgotten here is known again from its
/// id, as after a restart; a forgotten key, far older than any retry of
/// it, would authorise anew. A lock guards it: the mock is a test double,
/// and each critical section is a few dictionary operations.
public final class MockPaymentLedger: Sendable {
    struct State {
        var intents: RecentMap<String, PaymentIntent>
        var byIdempotencyKey: RecentMap<String, (request: PaymentRequest, result: Result<PaymentIntent, PaymentError>)>
        /// Intents of `pm_mock_captureFails`, whose capture is refused.
        var refusedCaptures: RecentMap<String, Bool>
        /// Intents of `pm_mock_refundFailsOnce` whose first refund is still to fail.
        var refusedRefunds: RecentMap<String, Bool>
        var nextID = 0
    }

    let state: Lock<State>

    public init(memory: Int = 50_000) {
        state = Lock(State(intents: RecentMap(generationSize: memory), byIdempotencyKey: RecentMap(generationSize: memory),
                           refusedCaptures: RecentMap(generationSize: memory), refusedRefunds: RecentMap(generationSize: memory)))
    }

    /// The intent as the mock holds it now (nil: not issued by this process).
    public func intent(_ id: String) -> PaymentIntent? {
        state.withLock { $0.intents[id] }
    }

    /// Ends 3-D Secure of an intent that awaits it: authorised
    /// (`requiresCapture`) or refused (`requiresPaymentMethod`). Nil when
    /// the intent does not await authentication.
    public func finishAuthentication(_ id: String, succeeded: Bool) -> PaymentIntent? {
        state.withLock { state in
            guard var intent = state.intents[id], intent.status == .requiresAction else { return nil }
            intent.status = succeeded ? .requiresCapture : .requiresPaymentMethod
            intent.nextAction = nil
            state.intents[id] = intent
            return intent
        }
    }
}
