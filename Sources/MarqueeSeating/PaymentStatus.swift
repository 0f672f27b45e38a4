/// A payment attempt's status in PostgreSQL (`payments.status`): the case
/// names are the database's words, so `rawValue` is the one mapping to its
/// text.
public enum PaymentStatus: String, Sendable {
    /// Recorded before the provider is asked; a crash leaves it for the
    /// reconciler.
    case authorizing
    /// Awaiting the buyer's 3-D Secure (the intent is recorded).
    case requiresAction = "requires_action"
    case authorized
    case declined
    /// Refused for good (an invalid card, a failed capture).
    case failed
    case captured
    case cancelled
    case refunded
    /// The provider did not answer: to be reconciled, never assumed.
    case unknown
}

/// A booking's payment status in PostgreSQL (`bookings.payment_status`).
public enum BookingPaymentStatus: String, Sendable {
    case authorized
    case captured
    case refunded
    case refundFailed = "refund_failed"
    case captureFailed = "capture_failed"
}
