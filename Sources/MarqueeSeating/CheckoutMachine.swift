/// One checkout of one hold, as a value: its state, the event that moves
/// it, the action it asks for next. The driver (MarqueeBooking's
/// CheckoutRun) performs each action and feeds its result back; this type
/// does no I/O, so every transition tests without a server.
///
/// The order makes a crash at any point safe:
/// 1. the hold is marked checking-out and extended past the payment
///    window (ShowtimeSeats.beginCheckout); the payment attempt is
///    committed (durable) before the provider hears of it;
/// 2. the provider authorises with manual capture; a decline answers 402
///    and keeps the hold for another card; a card that needs 3-D Secure
///    answers 202 with what the buyer's browser needs, and the checkout
///    waits (the hold still checking out, until its payment window ends)
///    for the buyer's confirm or the provider's webhook, which read the
///    intent back and go on from here (or decline);
/// 3. the seats turn from held to booked in the words, and the booking
///    with its seats is committed in the next group commit;
/// 4. the payment is captured, and only then is the buyer answered 201
///    (the capture's own record is write-behind).
/// A crash before 3 commits leaves an attempt the reconciler books (if the
/// hold's seats are still the buyer's) or cancels; a
/// crash after it leaves a booking whose capture the reconciler repeats
/// (captures are idempotent at the provider; if it cannot capture, the
/// booking is cancelled and so is the authorisation: no seat is ever sold
/// unpaid, and no amount stays reserved on the buyer's card).
///
///     idle -start-> recordingAttempt -attemptCommitted-> authorizing
///     authorizing -authorized-> bookingSeats -seatsBooked-> committingBooking
///     authorizing -requiresAction-> awaitingAuthentication -confirm()-> confirming
///     confirming -authorized-> bookingSeats; -requiresAction/providerFailed-> awaitingAuthentication
///     awaitingAuthentication -expire()-> finished (authorisation cancelled)
///     committingBooking -bookingCommitted-> capturing -captured-> finished
///     committingBooking -bookingNotSent-> finished (authorisation cancelled, hold kept)
///     committingBooking -bookingCommitFailed(unavailable)-> settlingBooking (buyer answered: outcome unknown)
///     settlingBooking -bookingCommitted-> capturing; -unavailable/notSent-> settlingBooking (written again)
///     settlingBooking -showtimeOwnedElsewhere-> finished (the new owner's reconciler settles it)
///     capturing -captureFailed-> cancellingBooking -bookingCancelled-> finished (authorisation cancelled)
///     any other outcome -> finished
public struct CheckoutMachine: Sendable {
    public enum State: Equatable, Sendable {
        case idle
        case recordingAttempt
        case authorizing
        case awaitingAuthentication
        case confirming
        case bookingSeats
        case committingBooking
        /// The booking's commit met a database outage: it may or may not
        /// be in PostgreSQL. Its seats stay booked in the map, and the
        /// booking is written again (inserted only if absent) until its
        /// outcome is known; then the payment is captured.
        case settlingBooking
        case capturing
        case cancellingBooking
        case finished
    }

    public private(set) var state = State.idle
    /// The hold as checkout holds it: extended, marked paying.
    public let hold: HoldRecord
    public private(set) var payment: PaymentAttempt
    public private(set) var booking: BookingRecord?
    private let labels: [String]

    /// `hold` as ShowtimeSeats.beginCheckout left it (its `attempts`
    /// already counting this one); `labels` its seats' labels.
    public init(hold: HoldRecord, showtime: Int64, amountCents: Int, currency: String, method: String, labels: [String]) {
        self.hold = hold
        self.labels = labels
        payment = PaymentAttempt(showtime: showtime, hold: hold.number, attempt: hold.attempts, user: hold.userID,
                                 amountCents: amountCents, currency: currency, method: method)
    }

    public mutating func start() -> CheckoutAction {
        precondition(state == .idle, "checkout started twice")
        state = .recordingAttempt
        return .commitAttempt(payment)
    }

    public mutating func handle(_ event: CheckoutEvent) -> CheckoutAction {
        switch (state, event) {
        case (.recordingAttempt, .attemptCommitted):
            state = .authorizing
            return .authorize(AuthorizationRequest(payment))
        case (.recordingAttempt, .attemptCommitFailed(let unavailable)):
            return finish(CheckoutEnding(hold: .resume(number: hold.number), outcome: .attemptNotRecorded(databaseUnavailable: unavailable)))

        case (.authorizing, .authorized(let intent)), (.confirming, .authorized(let intent)):
            payment.intent = intent
            state = .bookingSeats
            return .bookSeats(hold)
        case (.authorizing, .requiresAction(let intent, let challenge)), (.confirming, .requiresAction(let intent, let challenge)):
            // 3-D Secure needs the buyer's bank page: the hold waits.
            payment.intent = intent
            payment.status = .requiresAction
            state = .awaitingAuthentication
            return .awaitAuthentication(payment, .requiresAction(challenge))
        case (.confirming, .authenticationFailed):
            return unpaid(.declined, Self.authenticationFailure, cancelling: intent,
                          .declined(code: Self.authenticationFailure, declineCode: nil,
                                    message: "The card's 3-D Secure authentication failed."))
        case (.confirming, .providerFailed):
            // Nothing changed: the buyer (or the webhook) may confirm again.
            state = .awaitingAuthentication
            return .awaitAuthentication(nil, .providerUnavailable)
        case (.authorizing, .declined(let code, let declineCode, let message)):
            return unpaid(.declined, declineCode ?? code, cancelling: nil, .declined(code: code, declineCode: declineCode, message: message))
        case (.authorizing, .invalidPaymentMethod(let message)):
            return unpaid(.failed, "invalid_payment_method", cancelling: nil, .invalidPaymentMethod(message: message))
        case (.authorizing, .providerFailed):
            return unpaid(.unknown, "provider_error", cancelling: nil, .providerUnavailable)

        case (.bookingSeats, .seatsBooked):
            // The attempt's row is not updated here: the booking, in the
            // same batch, carries the intent and "authorized"; the attempt
            // goes from authorizing straight to its outcome.
            let booked = BookingRecord(showtime: payment.showtime, number: hold.number, user: hold.userID, seats: hold.seats,
                                       labels: labels, totalCents: payment.amountCents, currency: payment.currency,
                                       intent: intent, paymentStatus: .authorized)
            booking = booked
            state = .committingBooking
            return .commitBooking(booked)
        case (.bookingSeats, .seatsLost):
            return unpaid(.cancelled, "hold_lost", cancelling: intent, .holdExpired)

        case (.committingBooking, .bookingCommitted), (.settlingBooking, .bookingCommitted):
            state = .capturing
            return .capture(intent: intent)
        case (.committingBooking, .bookingCommitFailed(databaseUnavailable: true)):
            // The map keeps the seats booked and stays loaded: dropping it
            // would reload it while other checkouts run on it, before the
            // holds acknowledged meanwhile are written.
            state = .settlingBooking
            return .settleBooking(booking!, answering: .bookingOutcomeUnknown)
        case (.settlingBooking, .bookingCommitFailed(databaseUnavailable: true)), (.settlingBooking, .bookingNotSent):
            return .settleBooking(booking!, answering: nil)
        case (.settlingBooking, .showtimeOwnedElsewhere):
            // The first write may have landed: nothing is cancelled. The
            // showtime's new owner reconciles the attempt (books or lets it go).
            return finish(CheckoutEnding(hold: .handedOver, outcome: .bookingOutcomeUnknown))
        case (.committingBooking, .bookingCommitFailed(databaseUnavailable: false)),
             (.settlingBooking, .bookingCommitFailed(databaseUnavailable: false)):
            // While settling, the driver reports only a seat found to be
            // another booking's as a refusal: so the first write did not land.
            return unbooked("booking_refused", .bookingRefused)
        case (.committingBooking, .bookingNotSent):
            // Known not written: the buyer keeps the hold and may retry.
            return unbooked("booking_not_sent", .bookingNotSent)

        case (.capturing, .captured(let nowUnix)):
            payment.status = .captured
            booking!.paymentStatus = .captured
            // The capture's record is write-behind: after a crash the
            // reconciler captures again, which providers answer idempotently.
            return finish(CheckoutEnding(payment: payment, booking: booking, hold: .becameBooking,
                                         outcome: .confirmed(booking!, createdUnix: nowUnix)))
        case (.capturing, .captureFailed):
            payment.status = .failed
            payment.errorCode = "capture_failed"
            state = .cancellingBooking
            return .cancelBooking(payment)

        case (.cancellingBooking, .bookingCancelled):
            // The authorisation the capture could not take is cancelled
            // too, so the buyer's bank releases the amount it reserved.
            return finish(CheckoutEnding(cancelAuthorization: intent, hold: .unbook(seats: hold.seats, booking: hold.number),
                                         outcome: .paymentFailed))

        default:
            preconditionFailure("checkout: \(event) in state \(state)")
        }
    }

    /// Stripe's error code for a failed 3-D Secure, recorded as the decline.
    public static let authenticationFailure = "payment_intent_authentication_failure"

    /// The buyer (or a webhook) says 3-D Secure is done: read the intent back.
    public mutating func confirm() -> CheckoutAction {
        precondition(state == .awaitingAuthentication, "confirm in state \(state)")
        state = .confirming
        return .retrieve(intent: intent)
    }

    /// The payment window ended before 3-D Secure did: the intent is
    /// cancelled, the hold leaves checkout (and expires, its time being up).
    public mutating func expire() -> CheckoutAction {
        precondition(state == .awaitingAuthentication, "expire in state \(state)")
        return unpaid(.cancelled, "authentication_expired", cancelling: intent, .holdExpired)
    }

    /// The authorised intent (set once the provider authorised).
    private var intent: String { payment.intent ?? "" }

    /// Ends an attempt before any seat was booked: recorded with `status`
    /// and `code`, the authorisation (if any) cancelled, the hold resumed.
    private mutating func unpaid(_ status: PaymentStatus, _ code: String, cancelling intent: String?,
                                 _ outcome: CheckoutOutcome) -> CheckoutAction {
        payment.status = status
        payment.errorCode = code
        return finish(CheckoutEnding(cancelAuthorization: intent, payment: payment, hold: .resume(number: hold.number), outcome: outcome))
    }

    /// Ends an attempt whose booking is surely not in PostgreSQL: recorded
    /// cancelled with `code`, the authorisation cancelled, the seats held again.
    private mutating func unbooked(_ code: String, _ outcome: CheckoutOutcome) -> CheckoutAction {
        payment.status = .cancelled
        payment.errorCode = code
        var restored = hold
        restored.paying = false
        return finish(CheckoutEnding(cancelAuthorization: intent, payment: payment, hold: .restore(restored), outcome: outcome))
    }

    private mutating func finish(_ ending: CheckoutEnding) -> CheckoutAction {
        state = .finished
        return .finish(ending)
    }
}
