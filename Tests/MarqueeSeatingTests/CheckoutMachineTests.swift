import MarqueeSeating
import Testing

/// Every transition of the checkout machine, without a server, a database
/// or a provider: each test plays the driver's part by hand.
@Suite("Checkout state machine")
struct CheckoutMachineTests {
    static let hold = HoldRecord(number: 7, userID: 3, seats: [4, 5], expiry: 900, createdUnix: 1_800_000_000, paying: true, attempts: 2)

    /// A machine for hold 7 of showtime 42 (second attempt), started.
    static func started() -> CheckoutMachine {
        var machine = CheckoutMachine(hold: hold, showtime: 42, amountCents: 2_000, currency: "usd", method: "pm_card_visa",
                                      labels: ["A5", "A6"])
        _ = machine.start()
        return machine
    }

    /// Started and authorised with intent `pi_1`: the seats are to be booked.
    static func authorized() -> CheckoutMachine {
        var machine = started()
        _ = machine.handle(.attemptCommitted)
        _ = machine.handle(.authorized(intent: "pi_1"))
        return machine
    }

    /// Booked and committed: the payment is to be captured.
    static func capturing() -> CheckoutMachine {
        var machine = authorized()
        _ = machine.handle(.seatsBooked)
        _ = machine.handle(.bookingCommitted)
        return machine
    }

    static let attempt = PaymentAttempt(showtime: 42, hold: 7, attempt: 2, user: 3, amountCents: 2_000, currency: "usd",
                                        method: "pm_card_visa")
    static let booking = BookingRecord(showtime: 42, number: 7, user: 3, seats: [4, 5], labels: ["A5", "A6"], totalCents: 2_000,
                                       currency: "usd", intent: "pi_1", paymentStatus: .authorized)

    static func attempt(_ status: PaymentStatus, _ code: String?, intent: String? = nil) -> PaymentAttempt {
        var attempt = attempt
        attempt.status = status
        attempt.errorCode = code
        attempt.intent = intent
        return attempt
    }

    @Test("the attempt is recorded before the provider hears of it, under a key the reconciler can ask again with")
    func recordsFirst() {
        var machine = CheckoutMachine(hold: Self.hold, showtime: 42, amountCents: 2_000, currency: "usd", method: "pm_card_visa",
                                      labels: ["A5", "A6"])
        #expect(machine.state == .idle)
        #expect(machine.start() == .commitAttempt(Self.attempt(.authorizing, nil)))
        #expect(machine.state == .recordingAttempt)
        let request = machine.handle(.attemptCommitted)
        guard case .authorize(let asked) = request else { Issue.record("\(request)"); return }
        #expect(asked.amountCents == 2_000 && asked.currency == "usd" && asked.paymentMethod == "pm_card_visa")
        #expect(asked.idempotencyKey == "marquee-42-7-2")
        #expect(machine.state == .authorizing)
    }

    @Test("an attempt that cannot be recorded never reaches the provider: the hold resumes", arguments: [true, false])
    func attemptNotRecorded(unavailable: Bool) {
        var machine = Self.started()
        #expect(machine.handle(.attemptCommitFailed(databaseUnavailable: unavailable))
            == .finish(CheckoutEnding(hold: .resume(number: 7), outcome: .attemptNotRecorded(databaseUnavailable: unavailable))))
        #expect(machine.state == .finished)
    }

    @Test("authorised: the seats are booked next, the intent kept")
    func authorized() {
        var machine = Self.started()
        _ = machine.handle(.attemptCommitted)
        #expect(machine.handle(.authorized(intent: "pi_1")) == .bookSeats(Self.hold))
        #expect(machine.state == .bookingSeats && machine.payment.intent == "pi_1")
    }

    static let challenge = AuthenticationChallenge(clientSecret: "pi_3ds_secret_x", nextAction: "use_stripe_sdk")

    /// Started, and the provider asked for 3-D Secure on intent `pi_3ds`.
    static func awaiting() -> CheckoutMachine {
        var machine = started()
        _ = machine.handle(.attemptCommitted)
        _ = machine.handle(.requiresAction(intent: "pi_3ds", challenge: challenge))
        return machine
    }

    @Test("a card that needs 3-D Secure: the attempt is recorded with its intent, the buyer gets the challenge, the hold waits")
    func requiresAction() {
        var machine = Self.started()
        _ = machine.handle(.attemptCommitted)
        #expect(machine.handle(.requiresAction(intent: "pi_3ds", challenge: Self.challenge))
            == .awaitAuthentication(Self.attempt(.requiresAction, nil, intent: "pi_3ds"), .requiresAction(Self.challenge)))
        #expect(machine.state == .awaitingAuthentication)
    }

    @Test("confirmed after 3-D Secure: the intent is read back; authorised, the seats are booked as after a plain authorisation")
    func confirmed() {
        var machine = Self.awaiting()
        #expect(machine.confirm() == .retrieve(intent: "pi_3ds"))
        #expect(machine.state == .confirming)
        #expect(machine.handle(.authorized(intent: "pi_3ds")) == .bookSeats(Self.hold))
        #expect(machine.state == .bookingSeats && machine.payment.intent == "pi_3ds")
    }

    @Test("confirmed too early, or the provider silent: the checkout keeps waiting and may be confirmed again")
    func confirmedTooEarly() {
        var early = Self.awaiting()
        _ = early.confirm()
        #expect(early.handle(.requiresAction(intent: "pi_3ds", challenge: Self.challenge))
            == .awaitAuthentication(Self.attempt(.requiresAction, nil, intent: "pi_3ds"), .requiresAction(Self.challenge)))
        #expect(early.state == .awaitingAuthentication)

        var silent = Self.awaiting()
        _ = silent.confirm()
        #expect(silent.handle(.providerFailed) == .awaitAuthentication(nil, .providerUnavailable))
        #expect(silent.confirm() == .retrieve(intent: "pi_3ds"))
    }

    @Test("failed 3-D Secure: declined, the intent cancelled, the hold kept for another card")
    func authenticationFailed() {
        var machine = Self.awaiting()
        _ = machine.confirm()
        let code = CheckoutMachine.authenticationFailure
        #expect(machine.handle(.authenticationFailed) == .finish(CheckoutEnding(
            cancelAuthorization: "pi_3ds", payment: Self.attempt(.declined, code, intent: "pi_3ds"), hold: .resume(number: 7),
            outcome: .declined(code: code, declineCode: nil, message: "The card's 3-D Secure authentication failed."))))
        #expect(machine.state == .finished)
    }

    @Test("the payment window ends before 3-D Secure does: the intent is cancelled and the hold leaves checkout")
    func authenticationExpired() {
        var machine = Self.awaiting()
        #expect(machine.expire() == .finish(CheckoutEnding(
            cancelAuthorization: "pi_3ds", payment: Self.attempt(.cancelled, "authentication_expired", intent: "pi_3ds"),
            hold: .resume(number: 7), outcome: .holdExpired)))
    }

    @Test("a decline is recorded with the bank's decline code when there is one, and the hold kept")
    func declined() {
        var machine = Self.started()
        _ = machine.handle(.attemptCommitted)
        #expect(machine.handle(.declined(code: "card_declined", declineCode: "insufficient_funds", message: "No funds."))
            == .finish(CheckoutEnding(payment: Self.attempt(.declined, "insufficient_funds"), hold: .resume(number: 7),
                                      outcome: .declined(code: "card_declined", declineCode: "insufficient_funds", message: "No funds."))))

        var plain = Self.started()
        _ = plain.handle(.attemptCommitted)
        #expect(plain.handle(.declined(code: "expired_card", declineCode: nil, message: "Expired."))
            == .finish(CheckoutEnding(payment: Self.attempt(.declined, "expired_card"), hold: .resume(number: 7),
                                      outcome: .declined(code: "expired_card", declineCode: nil, message: "Expired."))))
    }

    @Test("an invalid payment method fails the attempt; a provider that does not answer leaves it unknown")
    func providerRefusals() {
        var invalid = Self.started()
        _ = invalid.handle(.attemptCommitted)
        #expect(invalid.handle(.invalidPaymentMethod(message: "No such card.")) == .finish(CheckoutEnding(
            payment: Self.attempt(.failed, "invalid_payment_method"), hold: .resume(number: 7),
            outcome: .invalidPaymentMethod(message: "No such card."))))

        var silent = Self.started()
        _ = silent.handle(.attemptCommitted)
        #expect(silent.handle(.providerFailed) == .finish(CheckoutEnding(
            payment: Self.attempt(.unknown, "provider_error"), hold: .resume(number: 7), outcome: .providerUnavailable)))
    }

    @Test("seats lost before booking: nothing is booked, the authorisation is cancelled")
    func seatsLost() {
        var machine = Self.authorized()
        #expect(machine.handle(.seatsLost) == .finish(CheckoutEnding(
            cancelAuthorization: "pi_1", payment: Self.attempt(.cancelled, "hold_lost", intent: "pi_1"), hold: .resume(number: 7),
            outcome: .holdExpired)))
    }

    @Test("booked seats are committed as an authorised booking, then captured")
    func bookAndCapture() {
        var machine = Self.authorized()
        #expect(machine.handle(.seatsBooked) == .commitBooking(Self.booking))
        #expect(machine.state == .committingBooking)
        #expect(machine.handle(.bookingCommitted) == .capture(intent: "pi_1"))
        #expect(machine.state == .capturing)
    }

    @Test("captured: attempt and booking recorded captured, and the buyer answered with the booking")
    func captured() {
        var machine = Self.capturing()
        var booking = Self.booking
        booking.paymentStatus = .captured
        #expect(machine.handle(.captured(nowUnix: 1_800_000_100)) == .finish(CheckoutEnding(
            payment: Self.attempt(.captured, nil, intent: "pi_1"), booking: booking, hold: .becameBooking,
            outcome: .confirmed(booking, createdUnix: 1_800_000_100))))
        #expect(machine.state == .finished)
    }

    @Test("a commit whose outcome is unknown answers so, keeps the seats booked and writes the booking again until it is known")
    func bookingOutcomeUnknown() {
        var machine = Self.authorized()
        _ = machine.handle(.seatsBooked)
        #expect(machine.handle(.bookingCommitFailed(databaseUnavailable: true))
            == .settleBooking(Self.booking, answering: .bookingOutcomeUnknown))
        #expect(machine.state == .settlingBooking)
        // Still away, or the queue full: written again, nobody answered twice.
        #expect(machine.handle(.bookingCommitFailed(databaseUnavailable: true)) == .settleBooking(Self.booking, answering: nil))
        #expect(machine.handle(.bookingNotSent) == .settleBooking(Self.booking, answering: nil))
        #expect(machine.state == .settlingBooking)
        #expect(machine.handle(.bookingCommitted) == .capture(intent: "pi_1"))
        #expect(machine.state == .capturing)
    }

    @Test("a booking being settled that PostgreSQL refuses is unbooked: the authorisation cancelled, the hold restored")
    func settlingRefused() {
        var machine = Self.authorized()
        _ = machine.handle(.seatsBooked)
        _ = machine.handle(.bookingCommitFailed(databaseUnavailable: true))
        #expect(machine.handle(.bookingCommitFailed(databaseUnavailable: false)) == Self.unbooked("booking_refused", .bookingRefused))
    }

    @Test("a booking being settled when another instance took the showtime: nothing cancelled, left to the new owner")
    func settlingHandedOver() {
        var machine = Self.authorized()
        _ = machine.handle(.seatsBooked)
        _ = machine.handle(.bookingCommitFailed(databaseUnavailable: true))
        #expect(machine.handle(.showtimeOwnedElsewhere)
            == .finish(CheckoutEnding(hold: .handedOver, outcome: .bookingOutcomeUnknown)))
        #expect(machine.state == .finished)
    }

    /// The ending of an attempt whose booking is surely not in PostgreSQL:
    /// recorded cancelled with `code`, the authorisation cancelled, the
    /// hold restored out of checkout.
    static func unbooked(_ code: String, _ outcome: CheckoutOutcome) -> CheckoutAction {
        var restored = hold
        restored.paying = false
        return .finish(CheckoutEnding(cancelAuthorization: "pi_1", payment: attempt(.cancelled, code, intent: "pi_1"),
                                      hold: .restore(restored), outcome: outcome))
    }

    @Test("a refused booking commit cancels the authorisation and puts the hold back as it was")
    func bookingRefused() {
        var machine = Self.authorized()
        _ = machine.handle(.seatsBooked)
        #expect(machine.handle(.bookingCommitFailed(databaseUnavailable: false)) == Self.unbooked("booking_refused", .bookingRefused))
    }

    @Test("a booking the database queue never took cancels the authorisation and puts the hold back: known unwritten")
    func bookingNotSent() {
        var machine = Self.authorized()
        _ = machine.handle(.seatsBooked)
        #expect(machine.handle(.bookingNotSent) == Self.unbooked("booking_not_sent", .bookingNotSent))
    }

    @Test("a failed capture cancels the booking before answering, then frees its seats and cancels the authorisation")
    func captureFailed() {
        var machine = Self.capturing()
        #expect(machine.handle(.captureFailed) == .cancelBooking(Self.attempt(.failed, "capture_failed", intent: "pi_1")))
        #expect(machine.state == .cancellingBooking)
        #expect(machine.handle(.bookingCancelled)
            == .finish(CheckoutEnding(cancelAuthorization: "pi_1", hold: .unbook(seats: [4, 5], booking: 7), outcome: .paymentFailed)))
        #expect(machine.state == .finished)
    }

    @Test("an event the state does not expect is a driver bug: it stops the process")
    func outOfOrder() async {
        await #expect(processExitsWith: .failure) {
            var machine = CheckoutMachineTests.started()
            _ = machine.handle(.captured(nowUnix: 0))
        }
    }
}
