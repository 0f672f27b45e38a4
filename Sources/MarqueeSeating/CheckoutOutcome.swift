/// How a checkout ends, as its buyer hears it (routes give each its HTTP
/// status, code and body).
public enum CheckoutOutcome: Equatable, Sendable {
    /// Booked, committed and captured.
    case confirmed(BookingRecord, createdUnix: Int64)
    /// The attempt could not be recorded; the hold is kept.
    case attemptNotRecorded(databaseUnavailable: Bool)
    /// 3-D Secure is needed: the buyer completes `challenge`, then
    /// confirms; the hold stays checking out for the payment window.
    case requiresAction(AuthenticationChallenge)
    /// Declined; the hold is kept for another card.
    case declined(code: String, declineCode: String?, message: String)
    case invalidPaymentMethod(message: String)
    /// The provider did not answer; the hold is kept.
    case providerUnavailable
    case holdExpired
    /// The booking's commit may have happened: the buyer looks it up.
    case bookingOutcomeUnknown
    /// The booking was never sent to the database (its queue was full):
    /// nothing was booked or charged, the hold is kept.
    case bookingNotSent
    /// PostgreSQL refused the booking: a bug, answered as one.
    case bookingRefused
    /// The capture failed: the booking is cancelled, nothing was sold.
    case paymentFailed
}

/// What a buyer's browser needs to pass 3-D Secure (Stripe.js takes the
/// client secret; `nextAction` is Stripe's `next_action.type`).
public struct AuthenticationChallenge: Equatable, Sendable {
    public var clientSecret: String
    public var nextAction: String
    public var redirectURL: String?

    public init(clientSecret: String, nextAction: String, redirectURL: String? = nil) {
        self.clientSecret = clientSecret
        self.nextAction = nextAction
        self.redirectURL = redirectURL
    }
}
