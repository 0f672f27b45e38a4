import MarqueeLoop

/// What checkout asks a payment provider for: authorise with manual capture,
/// then capture, cancel or refund, and read an intent's state back.
/// Completions run on the caller's loop. Two providers implement it:
/// `MockPaymentProvider` (the default, Stripe's test-card semantics, no
/// network) and the Stripe client.
public protocol PaymentProvider: AnyObject {
    func authorize(_ request: PaymentRequest, on loop: EventLoop,
                   _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void)
    func capture(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void)
    func cancel(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void)
    func refund(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void)
    /// The intent as the provider knows it now (after 3-D Secure, a lost
    /// answer or a restart): changes nothing.
    func retrieve(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void)
}

public struct PaymentRequest: Sendable, Equatable {
    public var amountCents: Int
    public var currency: String
    /// A Stripe PaymentMethod id (`pm_card_visa`) or, for the mock, a test card number.
    public var paymentMethod: String
    /// The same key with the same request returns the first answer; with
    /// another request it is an error (Stripe's Idempotency-Key rules).
    public var idempotencyKey: String
    /// Stored with the intent (Stripe's `metadata`): the showtime, hold,
    /// user and attempt, so a webhook or a reconciliation on any instance
    /// finds the attempt the intent belongs to.
    public var metadata: [String: String]

    public init(amountCents: Int, currency: String, paymentMethod: String, idempotencyKey: String,
                metadata: [String: String] = [:]) {
        self.amountCents = amountCents
        self.currency = currency
        self.paymentMethod = paymentMethod
        self.idempotencyKey = idempotencyKey
        self.metadata = metadata
    }
}

/// A PaymentIntent as Stripe names its states.
public struct PaymentIntent: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Authentication failed or the method was refused after action: a new method is needed.
        case requiresPaymentMethod = "requires_payment_method"
        case requiresConfirmation = "requires_confirmation"
        case requiresAction = "requires_action"
        case processing
        case requiresCapture = "requires_capture"
        case succeeded
        case canceled
        case refunded
    }

    public let id: String
    public internal(set) var status: Status
    public let amountCents: Int
    public let currency: String
    /// For `requiresAction`: what the buyer's browser needs to finish
    /// 3-D Secure (Stripe.js takes the client secret).
    public var clientSecret: String?
    public var nextAction: NextAction?

    public struct NextAction: Sendable, Equatable {
        /// Stripe's `next_action.type`: `use_stripe_sdk` or `redirect_to_url`.
        public var type: String
        public var redirectURL: String?

        public init(type: String, redirectURL: String? = nil) {
            self.type = type
            self.redirectURL = redirectURL
        }
    }

    public init(id: String, status: Status, amountCents: Int, currency: String,
                clientSecret: String? = nil, nextAction: NextAction? = nil) {
        self.id = id
        self.status = status
        self.amountCents = amountCents
        self.currency = currency
        self.clientSecret = clientSecret
        self.nextAction = nextAction
    }
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
