import MarqueeLoop

/// What checkout asks a payment provider for: authorise with manual capture,
/// then capture, cancel or refund. Completions run on the caller's loop.
/// Two providers implement it: `MockPaymentProvider` (the default, Stripe's
/// test-card semantics, no network) and the Stripe client (later).
public protocol PaymentProvider: AnyObject {
    func authorize(_ request: PaymentRequest, on loop: EventLoop,
                   _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void)
    func capture(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void)
    func cancel(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void)
    func refund(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void)
}

public struct PaymentRequest: Sendable, Equatable {
    public var amountCents: Int
    public var currency: String
    /// A Stripe PaymentMethod id (`pm_card_visa`) or, for the mock, a test card number.
    public var paymentMethod: String
    /// The same key with the same request returns the first answer; with
    /// another request it is an error (Stripe's Idempotency-Key rules).
    public var idempotencyKey: String

    public init(amountCents: Int, currency: String, paymentMethod: String, idempotencyKey: String) {
        self.amountCents = amountCents
        self.currency = currency
        self.paymentMethod = paymentMethod
        self.idempotencyKey = idempotencyKey
    }
}

/// A PaymentIntent as Stripe names its states.
public struct PaymentIntent: Sendable, Equatable {
    public enum Status: String, Sendable {
        case requiresAction = "requires_action"
        case requiresCapture = "requires_capture"
        case succeeded
        case canceled
        case refunded
    }

    public let id: String
    public internal(set) var status: Status
    public let amountCents: Int
    public let currency: String
}

public enum PaymentError: Error, Sendable, Equatable {
    /// The card was refused: Stripe's `code` and `decline_code`.
    case declined(code: String, declineCode: String?, message: String)
    case invalidPaymentMethod(String)
    case idempotencyConflict
    case invalidState(String)
    case notFound
    /// The provider did not answer in time, or could not be reached: the
    /// outcome is unknown and must be reconciled, never assumed.
    case unavailable(String)
}
