import MarqueeLoop

/// The built-in provider: no network, no keys. Stripe's test payment
/// methods and card numbers decide the outcome, as they would in Stripe's
/// test mode, after a configurable latency. Intents live in memory, and
/// their ids carry their amount and currency (`pi_mock_<n>_<random>_<amount>_<currency>`):
/// after a restart an id the mock issued is still known, as a real
/// provider's would be, so recovery can capture, cancel or refund it.
/// Loop-bound: use one instance per shard.
public final class MockPaymentProvider: PaymentProvider {
    enum Outcome {
        case approve
        case requireAction
        case decline(code: String, declineCode: String?, message: String)
        case unavailable
        case approveThenRefuseCapture
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
    ///   captures like any other.
    static func outcome(for method: String) -> Outcome? {
        switch method {
        case "pm_mock_providerUnavailable":
            return .unavailable
        case "pm_mock_captureFails":
            return .approveThenRefuseCapture
        case "pm_card_visa", "pm_card_mastercard", "pm_card_amex", "pm_card_discover", "pm_card_visa_debit",
             "4242424242424242", "5555555555554444", "378282246310005", "6011111111111117":
            return .approve
        case "pm_card_authenticationRequired", "pm_card_threeDSecure2Required", "4000002760003184", "4000000000003220":
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
    /// The latest intents and idempotency keys, bounded (a long-running
    /// server makes one of each per checkout): an intent forgotten here is
    /// known again from its id, as after a restart; a forgotten key, far
    /// older than any retry of it, would authorise anew.
    private var intents: RecentMap<String, PaymentIntent>
    private var byIdempotencyKey: RecentMap<String, (request: PaymentRequest, result: Result<PaymentIntent, PaymentError>)>
    /// Intents of `pm_mock_captureFails`, whose capture is refused.
    private var refusedCaptures: RecentMap<String, Bool>
    private var nextID = 0

    /// Intents, idempotency keys and refused captures held now (for tests of the bound).
    var remembered: Int { intents.count + byIdempotencyKey.count + refusedCaptures.count }

    /// `memory`: intents, idempotency keys and refused captures kept, each (between this and twice this).
    public init(latencyMilliseconds: UInt64 = 0, memory: Int = 50_000) {
        self.latencyMilliseconds = latencyMilliseconds
        intents = RecentMap(generationSize: memory)
        byIdempotencyKey = RecentMap(generationSize: memory)
        refusedCaptures = RecentMap(generationSize: memory)
    }

    public func authorize(_ request: PaymentRequest, on loop: EventLoop,
                          _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        if let earlier = byIdempotencyKey[request.idempotencyKey] {
            answer(earlier.request == request ? earlier.result : .failure(.idempotencyConflict), on: loop, completion)
            return
        }
        let result: Result<PaymentIntent, PaymentError>
        let outcome = Self.outcome(for: request.paymentMethod)
        switch outcome {
        case nil:
            result = .failure(.invalidPaymentMethod("No such PaymentMethod: '\(request.paymentMethod)'"))
        case .decline(let code, let declineCode, let message):
            result = .failure(.declined(code: code, declineCode: declineCode, message: message))
        case .unavailable:
            answer(.failure(.unavailable("The payment provider could not be reached (\(request.paymentMethod)).")), on: loop, completion)
            return
        case .approve, .requireAction, .approveThenRefuseCapture:
            guard request.amountCents > 0 else {
                result = .failure(.invalidState("amount must be positive"))
                break
            }
            nextID += 1
            let needsAction = if case .requireAction = outcome { true } else { false }
            let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            let intent = PaymentIntent(id: "pi_mock_\(nextID)_\(random)_\(request.amountCents)_\(request.currency)", status: needsAction ? .requiresAction : .requiresCapture,
                                       amountCents: request.amountCents, currency: request.currency)
            intents[intent.id] = intent
            if case .approveThenRefuseCapture = outcome { refusedCaptures[intent.id] = true }
            result = .success(intent)
        }
        byIdempotencyKey[request.idempotencyKey] = (request, result)
        answer(result, on: loop, completion)
    }

    /// Completes 3-D Secure for an intent that required it (what the
    /// customer's bank page and Stripe's webhook do in the real flow).
    public func completeAuthentication(_ intentID: String) -> PaymentIntent? {
        guard var intent = intents[intentID], intent.status == .requiresAction else { return nil }
        intent.status = .requiresCapture
        intents[intentID] = intent
        return intent
    }

    public func capture(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        if refusedCaptures[intentID] != nil {
            answer(.failure(.invalidState("The authorisation expired before it was captured.")), on: loop, completion)
            return
        }
        transition(intentID, from: [.requiresCapture], to: .succeeded, on: loop, completion)
    }

    public func cancel(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        transition(intentID, from: [.requiresCapture, .requiresAction], to: .canceled, on: loop, completion)
    }

    public func refund(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        transition(intentID, from: [.succeeded], to: .refunded, on: loop, completion)
    }

    /// An intent from an earlier process is reported in the mock's
    /// authorised state (`requiresCapture`): the mock keeps no record
    /// across restarts, and capture, cancel and refund are idempotent, so
    /// whoever reconciles it reaches the right end state from there.
    public func retrieve(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        guard let intent = intents[intentID] ?? Self.issuedBeforeRestart(intentID, status: .requiresCapture) else {
            answer(.failure(.notFound), on: loop, completion)
            return
        }
        answer(.success(intent), on: loop, completion)
    }

    /// Idempotent like Stripe: asking for the state an intent is already in succeeds.
    private func transition(_ id: String, from allowed: Set<PaymentIntent.Status>, to target: PaymentIntent.Status,
                            on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        guard var intent = intents[id] ?? Self.issuedBeforeRestart(id, status: allowed.first ?? target) else {
            answer(.failure(.notFound), on: loop, completion)
            return
        }
        if intent.status == target {
            answer(.success(intent), on: loop, completion)
            return
        }
        guard allowed.contains(intent.status) else {
            answer(.failure(.invalidState("cannot go from \(intent.status.rawValue) to \(target.rawValue)")), on: loop, completion)
            return
        }
        intent.status = target
        intents[id] = intent
        answer(.success(intent), on: loop, completion)
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
