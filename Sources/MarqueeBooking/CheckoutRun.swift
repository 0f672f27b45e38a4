import Logging
import MarqueeHTTP
import MarqueeLoop
import MarqueePayments
import MarqueeSeating
import MarqueeStore

/// Checkout on the owner shard: the seat rules start it
/// (ShowtimeSeats.beginCheckout), a CheckoutMachine decides each step and
/// the crash-safe order (see there), and a CheckoutRun performs the steps:
/// the batch writer, the payment provider, the seat words, the answer.
extension OwnerShard {
    func checkout(_ number: UInt32, user: Int64, paymentMethod: String, in seats: ShowtimeSeats, reply: Reply) {
        guard let writer else { return reply.fail(APIError.databaseUnavailable) }
        switch seats.beginCheckout(number, user: user, method: paymentMethod, currency: config.currency, limits: config.holdLimits,
                                   now: now()) {
        case .failure(let refusal):
            reply.fail(refusal.apiError(in: seats))
        case .success(let machine):
            schedule(machine.hold, in: seats)
            persist(machine.hold, in: seats, status: .live)
            let run = CheckoutRun(machine, owner: self, writer: writer, seats: seats, reply: reply)
            checkouts[HoldKey(showtime: seats.id, number: number)] = run
            run.start()
        }
    }

    /// `POST /v1/holds/{id}/checkout/confirm`: the buyer passed (or gave
    /// up) 3-D Secure; the intent is read back and the checkout goes on.
    /// A hold already booked answers its booking; one with no checkout
    /// awaiting authentication is 409.
    func confirmCheckout(_ number: UInt32, user: Int64, in seats: ShowtimeSeats, reply: Reply) {
        let key = HoldKey(showtime: seats.id, number: number)
        if let run = checkouts[key], run.user == user {
            guard run.isAwaitingAuthentication else { return reply.fail(HoldRefusal.checkoutInProgress.apiError(in: seats)) }
            return run.confirm(reply: reply)
        }
        if case .success(let hold) = seats.liveHold(number, user: user, now: now()) {
            return reply.fail(hold.paying ? HoldRefusal.checkoutInProgress.apiError(in: seats)
                : APIError(.conflict, code: "no_authentication_pending",
                           message: "This hold has no payment awaiting 3-D Secure; check it out with POST /v1/holds/{id}/checkout."))
        }
        guard let database = access.database else { return reply.fail(APIError.holdNotFound) }
        // Booked meanwhile (by a webhook, or by an earlier confirm): its booking.
        BookingReads.fetch(database, showtime: seats.id, number: number, user: user) { found in
            switch found {
            case .success(let json): reply(.json(.ok, json))
            case .failure: reply.fail(APIError.holdNotFound)
            }
        }
    }

    /// A webhook says the intent of this attempt changed: a checkout
    /// awaiting its authentication reads it back and goes on. False when no
    /// checkout here awaits it (already booked, ended, or unknown).
    func resumeAuthentication(hold number: UInt32, attempt: Int, intent: String, showtime: Int64) -> Bool {
        guard let run = checkouts[HoldKey(showtime: showtime, number: number)], run.isAwaitingAuthentication,
              run.payment.attempt == attempt, run.payment.intent == intent else { return false }
        run.confirm(reply: nil)
        return true
    }

    /// The payment window of a checkout awaiting 3-D Secure is over: it is
    /// cancelled and its hold leaves checkout (the wheel then expires it).
    /// False when no checkout of this hold awaits authentication.
    func expireAuthentication(_ key: HoldKey) -> Bool {
        guard let run = checkouts[key], run.isAwaitingAuthentication else { return false }
        run.expire()
        return true
    }
}

/// One checkout's driver: performs each action of its machine and feeds
/// the result back as the next event. Listed in its owner's `checkouts`
/// from start to finish (which keeps it alive while it awaits 3-D Secure,
/// and tells the reconciler to leave its attempt alone); owner loop only.
final class CheckoutRun {
    private var machine: CheckoutMachine
    private let owner: OwnerShard
    private let writer: BatchWriter
    private let seats: ShowtimeSeats
    /// Who hears the next answer: the checkout's request, then a confirm's
    /// (nil for a webhook's or an expiry's: nobody waits).
    private var reply: Reply?
    /// A write was refused because another instance owns the showtime now:
    /// the answer says so, whatever the machine's outcome (never a success).
    private var ownedElsewhere = false
    /// Paces the writes of a booking being settled while the database is away.
    private var settleTimer: LoopTimer?
    /// The shard is stopping: no more settling writes.
    private var stopped = false
    /// The lease fence of the copy this checkout runs on: its writes outside
    /// the batch writer carry it, so after the showtime changed hands (even
    /// back to this instance) they are refused, never applied to a newer map.
    private let fence: String

    init(_ machine: CheckoutMachine, owner: OwnerShard, writer: BatchWriter, seats: ShowtimeSeats, reply: Reply) {
        self.machine = machine
        self.owner = owner
        self.writer = writer
        self.seats = seats
        self.reply = reply
        fence = owner.fence(of: seats.id)
    }

    var user: Int64 { machine.hold.userID }
    var payment: PaymentAttempt { machine.payment }
    var isAwaitingAuthentication: Bool { machine.state == .awaitingAuthentication }
    /// Whether its showtime's map is still the copy this checkout started
    /// on (not dropped since: its lease lost, or the showtime over).
    private var isCurrent: Bool { owner.showtimes[seats.id] === seats }
    /// The booking is (or is being) committed and its payment not yet
    /// settled: captured, or the booking cancelled after a refused capture.
    var isCapturing: Bool { [.committingBooking, .settlingBooking, .capturing, .cancellingBooking].contains(machine.state) }

    func start() { perform(machine.start()) }

    func confirm(reply: Reply?) {
        self.reply = reply
        perform(machine.confirm())
    }

    func expire() {
        reply = nil
        perform(machine.expire())
    }

    /// The shard stops: no more retries (its loop must be able to end).
    func stop() {
        stopped = true
        settleTimer?.close()
        settleTimer = nil
    }

    private func handle(_ event: CheckoutEvent) { perform(machine.handle(event)) }

    private func answer(_ outcome: CheckoutOutcome) {
        reply?(outcome.response(showtime: seats.id, hold: machine.hold.number))
        reply = nil
    }

    private func perform(_ action: CheckoutAction) {
        let loop = owner.access.loop
        switch action {
        case .commitAttempt(let attempt):
            writer.payment(BatchWriter.PaymentRow(attempt, isNew: true))
            writer.whenCommitted(showtime: seats.id) { [self] error in
                if let error, ShowtimeLease.staleShowtimes(error) != nil { ownedElsewhere = true }
                handle(error.map { .attemptCommitFailed(databaseUnavailable: $0.isUnavailable) } ?? .attemptCommitted)
            }
        case .authorize(let request):
            let payment = PaymentRequest(amountCents: request.amountCents, currency: request.currency,
                                         paymentMethod: request.paymentMethod, idempotencyKey: request.idempotencyKey,
                                         metadata: request.metadata)
            owner.payments.authorize(payment, on: loop) { [self] result in handle(authorization(result)) }
        case .awaitAuthentication(let attempt, let outcome):
            // The copy was dropped while the provider answered: no wait for
            // 3-D Secure on it (nothing would end that wait, and the
            // showtime's reload waits for this checkout). Cancelled.
            guard isCurrent else {
                ownedElsewhere = true
                return perform(machine.expire())
            }
            if let attempt { writer.payment(BatchWriter.PaymentRow(attempt, isNew: false)) }
            answer(outcome)
        case .retrieve(let intent):
            owner.payments.retrieve(intent, on: loop) { [self] result in handle(readBack(result)) }
        case .bookSeats(let hold):
            // The copy was dropped (its lease lost) while the provider
            // answered: nothing is booked on it, its holds count no more.
            guard isCurrent else {
                ownedElsewhere = true
                return handle(.seatsLost)
            }
            guard seats.bookHold(hold, userHolds: owner.engine.userHolds, now: owner.now()) else { return handle(.seatsLost) }
            owner.persist(hold, in: seats, status: .booked)
            handle(.seatsBooked)
        case .commitBooking(let booking):
            writer.booking(BatchWriter.BookingRow(booking, isNew: true))
            writer.whenCommitted(showtime: seats.id) { [self] error in
                guard let error else { return handle(.bookingCommitted) }
                if ShowtimeLease.staleShowtimes(error) != nil { ownedElsewhere = true }
                // Never sent: known not written, unlike a lost answer.
                if error.wasNotSent { return handle(.bookingNotSent) }
                if !error.isUnavailable {
                    owner.access.logger.error("booking commit refused", metadata: [
                        "error": .string("\(error)"), "showtime": .stringConvertible(seats.id),
                    ])
                }
                handle(.bookingCommitFailed(databaseUnavailable: error.isUnavailable))
            }
        case .settleBooking(let booking, let outcome):
            guard !stopped else { return }
            guard let outcome else {
                let timer = settleTimer ?? LoopTimer(loop: loop)
                settleTimer = timer
                return timer.start(after: Self.settleRetryMilliseconds) { [self] in settle(booking) }
            }
            answer(outcome)
            settle(booking)
        case .capture(let intent):
            owner.payments.capture(intent, on: loop) { [self] captured in
                switch captured {
                case .success:
                    handle(.captured(nowUnix: owner.now().unix))
                case .failure(let failure):
                    owner.access.logger.error("capture failed after booking commit: cancelling the booking",
                                              metadata: ["intent": .string(intent), "error": .string("\(failure)")])
                    handle(.captureFailed)
                }
            }
        case .cancelBooking(let attempt):
            writer.payment(BatchWriter.PaymentRow(attempt, isNew: false))
            guard let database = owner.access.database else { return handle(.bookingCancelled) }
            database.query(BookingCancellation.sql, [String(seats.id), String(attempt.hold), BookingPaymentStatus.captureFailed.rawValue, nil,
                                                        fence]) {
                [self] _ in handle(.bookingCancelled)
            }
        case .finish(let ending):
            finish(ending)
        }
    }

    static let settleRetryMilliseconds: UInt64 = 500

    /// Writes a booking of unknown outcome again (BookingSettlement), and
    /// turns the answer into the machine's event: committed only when the
    /// booking is known to be in PostgreSQL as this checkout made it;
    /// refused only when a seat is another booking's (which proves this one
    /// absent); a stale fence hands it over; anything else (a lost
    /// connection, a deadlock with a first write still in flight, a
    /// failover's read-only spell) leaves it unknown: written again.
    private func settle(_ booking: BookingRecord) {
        guard !stopped else { return }
        guard let database = owner.access.database else { return handle(.showtimeOwnedElsewhere) }
        database.query(BookingSettlement.sql, BookingSettlement.parameters(booking, fence: fence)) { [self] result in
            guard !stopped else { return }
            switch result {
            case .success(let rows):
                switch BookingSettlement.outcome(rows, booking) {
                case .written: handle(.bookingCommitted)
                case .unknown: handle(.bookingCommitFailed(databaseUnavailable: true))
                case .differs(let found):
                    // Only another owner could have changed it: left to reconciliation.
                    owner.access.logger.error("a booking being settled was found changed", metadata: [
                        "showtime": .stringConvertible(seats.id), "booking": .stringConvertible(booking.number), "found": .string(found),
                    ])
                    handle(.showtimeOwnedElsewhere)
                }
            case .failure(let error):
                if ShowtimeLease.staleShowtimes(error) != nil {
                    // The shard's own lease may be newer than this copy's.
                    if owner.fence(of: seats.id) == fence { owner.dropLost([seats.id]) }
                    return handle(.showtimeOwnedElsewhere)
                }
                if BookingSettlement.seatTaken(error) { return handle(.bookingCommitFailed(databaseUnavailable: false)) }
                if !error.isUnavailable {
                    owner.access.logger.warning("settling a booking failed; written again", metadata: [
                        "error": .string("\(error)"), "showtime": .stringConvertible(seats.id),
                    ])
                }
                handle(.bookingCommitFailed(databaseUnavailable: true))
            }
        }
    }

    /// The provider's answer to an authorisation, as an event.
    private func authorization(_ result: Result<PaymentIntent, PaymentError>) -> CheckoutEvent {
        switch result {
        case .success(let intent) where intent.status == .requiresCapture: return .authorized(intent: intent.id)
        case .success(let intent): return .requiresAction(intent: intent.id, challenge: Self.challenge(intent))
        case .failure(.declined(let code, let declineCode, let message)):
            return .declined(code: code, declineCode: declineCode, message: message)
        case .failure(.invalidPaymentMethod(let message)): return .invalidPaymentMethod(message: message)
        case .failure(let other):
            owner.access.logger.warning("payment provider failed", metadata: ["error": .string("\(other)")])
            return .providerFailed
        }
    }

    /// The intent read back after 3-D Secure, as an event.
    private func readBack(_ result: Result<PaymentIntent, PaymentError>) -> CheckoutEvent {
        switch result {
        case .success(let intent):
            switch intent.status {
            case .requiresCapture, .succeeded: return .authorized(intent: intent.id)
            case .requiresAction, .requiresConfirmation: return .requiresAction(intent: intent.id, challenge: Self.challenge(intent))
            case .requiresPaymentMethod, .canceled, .refunded: return .authenticationFailed
            case .processing: return .providerFailed
            }
        case .failure(let error):
            owner.access.logger.warning("reading an intent back failed", metadata: ["error": .string("\(error)")])
            return .providerFailed
        }
    }

    private static func challenge(_ intent: PaymentIntent) -> AuthenticationChallenge {
        AuthenticationChallenge(clientSecret: intent.clientSecret ?? "", nextAction: intent.nextAction?.type ?? "use_stripe_sdk",
                                redirectURL: intent.nextAction?.redirectURL)
    }

    private func finish(_ ending: CheckoutEnding) {
        stop()
        let key = OwnerShard.HoldKey(showtime: seats.id, number: machine.hold.number)
        let owner = self.owner
        let ended = { [self] in if owner.checkouts[key] === self { owner.checkoutEnded(key) } }
        if let intent = ending.cancelAuthorization {
            // Listed until the provider has it cancelled: a reconciliation
            // pass (a reload's) meanwhile would find the attempt still
            // authorised and book it, if its record has not been written.
            owner.payments.cancel(intent, on: owner.access.loop) { result in
                if case .failure(let error) = result {
                    owner.access.logger.warning("cancelling an authorisation failed; it lapses by itself", metadata: [
                        "intent": .string(intent), "error": .string("\(error)"),
                    ])
                }
                ended()
            }
        } else {
            ended()
        }
        if let payment = ending.payment { writer.payment(BatchWriter.PaymentRow(payment, isNew: false)) }
        if let booking = ending.booking { writer.booking(BatchWriter.BookingRow(booking, isNew: false)) }
        switch isCurrent ? ending.hold : .handedOver {
        case .resume(let number):
            seats.resumeHold(number)
        case .restore(let hold):
            if seats.restoreHold(hold, userHolds: owner.engine.userHolds) { owner.persist(hold, in: seats, status: .live) }
        case .unbook(let booked, let booking):
            seats.freeBookedSeats(booked, booking: booking)
        case .handedOver:
            break
        case .becameBooking:
            break
        }
        if ownedElsewhere {
            reply?.fail(ShowtimeLease.ownedElsewhere(address: nil))
            reply = nil
            return
        }
        answer(ending.outcome)
    }
}

extension BatchWriter.PaymentRow {
    init(_ attempt: PaymentAttempt, isNew: Bool) {
        self.init(showtime: attempt.showtime, hold: attempt.hold, attempt: attempt.attempt, user: attempt.user,
                  amountCents: attempt.amountCents, currency: attempt.currency, method: attempt.method, intent: attempt.intent,
                  status: attempt.status, errorCode: attempt.errorCode, isNew: isNew)
    }
}

extension BatchWriter.BookingRow {
    init(_ booking: BookingRecord, isNew: Bool) {
        self.init(showtime: booking.showtime, number: booking.number, user: booking.user, seats: booking.seats, labels: booking.labels,
                  totalCents: booking.totalCents, currency: booking.currency, intent: booking.intent,
                  paymentStatus: booking.paymentStatus, isNew: isNew)
    }
}
