import Logging
import MarqueeHTTP
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
            CheckoutRun(machine, owner: self, writer: writer, seats: seats, reply: reply).start()
        }
    }
}

/// One checkout's driver: performs each action of its machine and feeds
/// the result back as the next event. Kept alive by the completions it
/// waits on; owner loop only.
final class CheckoutRun {
    private var machine: CheckoutMachine
    private let owner: OwnerShard
    private let writer: BatchWriter
    private let seats: ShowtimeSeats
    private let reply: Reply
    /// A write was refused because another instance owns the showtime now:
    /// the answer says so, whatever the machine's outcome (never a success).
    private var ownedElsewhere = false

    init(_ machine: CheckoutMachine, owner: OwnerShard, writer: BatchWriter, seats: ShowtimeSeats, reply: Reply) {
        self.machine = machine
        self.owner = owner
        self.writer = writer
        self.seats = seats
        self.reply = reply
    }

    func start() { perform(machine.start()) }

    private func handle(_ event: CheckoutEvent) { perform(machine.handle(event)) }

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
                                         paymentMethod: request.paymentMethod, idempotencyKey: request.idempotencyKey)
            owner.payments.authorize(payment, on: loop) { [self] result in handle(authorization(result)) }
        case .bookSeats(let hold):
            guard seats.bookHold(hold, userHolds: owner.engine.userHolds, now: owner.now()) else { return handle(.seatsLost) }
            owner.persist(hold, in: seats, status: .booked)
            handle(.seatsBooked)
        case .commitBooking(let booking):
            writer.booking(BatchWriter.BookingRow(booking, isNew: true))
            writer.whenCommitted(showtime: seats.id) { [self] error in
                guard let error else { return handle(.bookingCommitted) }
                if ShowtimeLease.staleShowtimes(error) != nil { ownedElsewhere = true }
                if !error.isUnavailable {
                    owner.access.logger.error("booking commit refused", metadata: [
                        "error": .string("\(error)"), "showtime": .stringConvertible(seats.id),
                    ])
                }
                handle(.bookingCommitFailed(databaseUnavailable: error.isUnavailable))
            }
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
                                                        owner.fence(of: seats.id)]) {
                [self] _ in handle(.bookingCancelled)
            }
        case .finish(let ending):
            finish(ending)
        }
    }

    /// The provider's answer to an authorisation, as an event.
    private func authorization(_ result: Result<PaymentIntent, PaymentError>) -> CheckoutEvent {
        switch result {
        case .success(let intent) where intent.status == .requiresCapture: return .authorized(intent: intent.id)
        case .success(let intent): return .requiresAction(intent: intent.id)
        case .failure(.declined(let code, let declineCode, let message)):
            return .declined(code: code, declineCode: declineCode, message: message)
        case .failure(.invalidPaymentMethod(let message)): return .invalidPaymentMethod(message: message)
        case .failure(let other):
            owner.access.logger.warning("payment provider failed", metadata: ["error": .string("\(other)")])
            return .providerFailed
        }
    }

    private func finish(_ ending: CheckoutEnding) {
        if let intent = ending.cancelAuthorization { owner.payments.cancel(intent, on: owner.access.loop) { _ in } }
        if let payment = ending.payment { writer.payment(BatchWriter.PaymentRow(payment, isNew: false)) }
        if let booking = ending.booking { writer.booking(BatchWriter.BookingRow(booking, isNew: false)) }
        switch ending.hold {
        case .resume(let number):
            seats.resumeHold(number)
        case .restore(let hold):
            if seats.restoreHold(hold, userHolds: owner.engine.userHolds) { owner.persist(hold, in: seats, status: .live) }
        case .unbook(let booked, let booking):
            seats.freeBookedSeats(booked, booking: booking)
        case .forgetShowtime:
            owner.forget(seats.id)
        case .becameBooking:
            break
        }
        if ownedElsewhere { return reply.fail(ShowtimeLease.ownedElsewhere(address: nil)) }
        reply(ending.outcome.response(showtime: seats.id, hold: machine.hold.number))
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
