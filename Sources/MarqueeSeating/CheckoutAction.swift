/// What the checkout's driver does next. Each event yields exactly one
/// action (no list is built): the ending's parts travel together in
/// `finish`, performed in the order its fields are listed.
public enum CheckoutAction: Equatable, Sendable {
    /// Queue the attempt's first row (`authorizing`), wait for its commit:
    /// `attemptCommitted` or `attemptCommitFailed`.
    case commitAttempt(PaymentAttempt)
    /// Ask the provider to authorise: `authorized`, `requiresAction`,
    /// `declined`, `invalidPaymentMethod` or `providerFailed`.
    case authorize(AuthorizationRequest)
    /// Record the attempt so (write-behind) if given, answer the buyer with
    /// the outcome, and keep the hold checking out until the buyer confirms
    /// (`confirm`), a webhook does, or the payment window ends (`expire`).
    case awaitAuthentication(PaymentAttempt?, CheckoutOutcome)
    /// Read the intent back after 3-D Secure: `authorized`, `requiresAction`,
    /// `authenticationFailed` or `providerFailed`.
    case retrieve(intent: String)
    /// Turn this hold's seats from held to booked (ShowtimeSeats.bookHold)
    /// and record the hold booked: `seatsBooked` or `seatsLost`.
    case bookSeats(HoldRecord)
    /// Queue the booking's first row, wait for its commit:
    /// `bookingCommitted`, `bookingCommitFailed` or `bookingNotSent`.
    case commitBooking(BookingRecord)
    /// Answer the buyer with the outcome if given, then write the booking
    /// again, inserted only if it is not in PostgreSQL already (the
    /// driver's BookingSettlement), and wait for the answer:
    /// `bookingCommitted`, `bookingCommitFailed`, `bookingNotSent` or
    /// `showtimeOwnedElsewhere`.
    case settleBooking(BookingRecord, answering: CheckoutOutcome?)
    /// Capture the authorisation: `captured` or `captureFailed`.
    case capture(intent: String)
    /// Record the attempt failed, cancel the booking in PostgreSQL:
    /// `bookingCancelled`.
    case cancelBooking(PaymentAttempt)
    /// The checkout is over.
    case finish(CheckoutEnding)
}

/// The last steps of a checkout, in order.
public struct CheckoutEnding: Equatable, Sendable {
    /// What becomes of the hold checked out.
    public enum Hold: Equatable, Sendable {
        /// It leaves checkout: it may be changed, released or expire again.
        case resume(number: UInt32)
        /// Its seats go back from booked to held (ShowtimeSeats.restoreHold).
        case restore(HoldRecord)
        /// The cancelled booking's seats are freed (ShowtimeSeats.freeBookedSeats).
        case unbook(seats: [Int], booking: UInt32)
        /// Nothing here: another instance owns the showtime now, and its
        /// reconciler settles the payment from PostgreSQL.
        case handedOver
        /// Nothing: it is the booking now.
        case becameBooking
    }

    /// Cancel this authorisation at the provider (its answer is not awaited).
    public var cancelAuthorization: String?
    /// Record the attempt so (write-behind).
    public var payment: PaymentAttempt?
    /// Record the booking so (write-behind).
    public var booking: BookingRecord?
    public var hold: Hold
    /// Then answer the buyer.
    public var outcome: CheckoutOutcome

    public init(cancelAuthorization: String? = nil, payment: PaymentAttempt? = nil, booking: BookingRecord? = nil, hold: Hold,
                outcome: CheckoutOutcome) {
        self.cancelAuthorization = cancelAuthorization
        self.payment = payment
        self.booking = booking
        self.hold = hold
        self.outcome = outcome
    }
}
