/// One payment attempt of a hold, as `payments` records it: made before
/// the provider hears of it, then updated with its outcome.
public struct PaymentAttempt: Equatable, Sendable {
    public let showtime: Int64
    public let hold: UInt32
    /// 1 for a hold's first attempt, one more for each new card.
    public let attempt: Int
    public let user: Int64
    public let amountCents: Int
    public let currency: String
    public let method: String
    public var intent: String?
    public var status: PaymentStatus
    /// Why it ended unpaid: the provider's decline code, or ours
    /// (`provider_error`, `hold_lost`, `capture_failed`, ...).
    public var errorCode: String?

    public init(showtime: Int64, hold: UInt32, attempt: Int, user: Int64, amountCents: Int, currency: String, method: String,
                intent: String? = nil, status: PaymentStatus = .authorizing, errorCode: String? = nil) {
        self.showtime = showtime
        self.hold = hold
        self.attempt = attempt
        self.user = user
        self.amountCents = amountCents
        self.currency = currency
        self.method = method
        self.intent = intent
        self.status = status
        self.errorCode = errorCode
    }

    /// The provider's idempotency key for this attempt: the reconciler asks
    /// again with it after a crash, and gets the first answer.
    public var idempotencyKey: String {
        Self.idempotencyKey(showtime: showtime, hold: String(hold), attempt: String(attempt))
    }

    /// The key from a row's text (the reconciler reads them so).
    public static func idempotencyKey(showtime: Int64, hold: String, attempt: String) -> String {
        "marquee-\(showtime)-\(hold)-\(attempt)"
    }

    /// Stored with the intent at the provider: a webhook event names the
    /// attempt by it, whichever instance receives the event.
    public var metadata: [String: String] {
        Self.metadata(showtime: showtime, hold: String(hold), user: String(user), attempt: String(attempt))
    }

    public static func metadata(showtime: Int64, hold: String, user: String, attempt: String) -> [String: String] {
        ["showtime": String(showtime), "hold": hold, "user": user, "attempt": attempt]
    }
}

/// What the provider is asked to authorise (with manual capture).
public struct AuthorizationRequest: Equatable, Sendable {
    public let amountCents: Int
    public let currency: String
    public let paymentMethod: String
    public let idempotencyKey: String
    public let metadata: [String: String]

    public init(_ attempt: PaymentAttempt) {
        amountCents = attempt.amountCents
        currency = attempt.currency
        paymentMethod = attempt.method
        idempotencyKey = attempt.idempotencyKey
        metadata = attempt.metadata
    }
}
