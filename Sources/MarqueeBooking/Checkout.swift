import Glibc
import Logging
import MarqueeCore
import MarqueeHTTP
import MarqueePayments
import MarqueeSeating
import MarqueeStore

/// Checkout on the owner shard, in the order that makes a crash at any
/// point safe:
/// 1. the hold is marked checking-out and extended past the payment
///    window; the payment attempt is committed (durable) before the
///    provider hears of it;
/// 2. the provider authorises with manual capture; a decline answers 402
///    and keeps the hold for another card;
/// 3. the seats turn from held to booked in the words, and the booking
///    with its seats is committed in the next group commit;
/// 4. the payment is captured, and only then is the buyer answered 201
///    (the capture's own record is write-behind).
/// A crash before 3 commits leaves an attempt the reconciler cancels; a
/// crash after it leaves a booking whose capture the reconciler repeats
/// (captures are idempotent at the provider; if it cannot capture, the
/// booking is cancelled: no seat is ever sold unpaid).
extension OwnerShard {
    func checkout(_ number: UInt32, user: Int64, paymentMethod: String, in seats: ShowtimeSeats, reply: Reply) {
        var hold: HoldRecord
        switch liveHold(number, user: user, in: seats) {
        case .failure(let refusal): return reply.fail(refusal.apiError(in: seats))
        case .success(let found): hold = found
        }
        if hold.paying { return reply.fail(HoldRefusal.checkoutInProgress.apiError(in: seats)) }
        if let closed = seats.closedRefusal(at: now()) { return reply.fail(closed.apiError(in: seats)) }
        guard let writer else { return reply.fail(APIError.databaseUnavailable) }

        let now = Self.now()
        let window = max(hold.expiry, now + config.paymentWindowSeconds)
        guard seats.map.extend(hold.seats, by: number, until: window, now: now) else {
            return reply.fail(APIError.holdNotFound)
        }
        hold.expiry = window
        hold.paying = true
        hold.attempts += 1
        seats.holds[number] = hold
        schedule(hold, in: seats)
        persist(hold, in: seats, status: .live)
        var payment = BatchWriter.PaymentRow(
            showtime: seats.id, hold: number, attempt: hold.attempts, user: user, amountCents: seats.total(of: hold.seats),
            currency: config.currency, method: paymentMethod, intent: nil, status: .authorizing, errorCode: nil, isNew: true)
        writer.payment(payment)
        payment.isNew = false
        writer.whenCommitted { [self] error in
            if let error {
                resume(number, in: seats)
                return reply.fail(APIError(databaseFailure: error))
            }
            let request = PaymentRequest(amountCents: payment.amountCents, currency: payment.currency, paymentMethod: paymentMethod,
                                         idempotencyKey: Self.paymentKey(showtime: seats.id, hold: String(number), attempt: String(payment.attempt)))
            payments.authorize(request, on: access.loop) { [self] result in
                switch result {
                case .success(let intent) where intent.status == .requiresCapture:
                    payment.intent = intent.id
                    book(hold, payment: payment, in: seats, reply: reply)
                case .success(let intent):
                    // 3-D Secure needs the buyer's bank page; this API takes
                    // cards that authorise directly, so the intent is dropped.
                    payments.cancel(intent.id, on: access.loop) { _ in }
                    payment.intent = intent.id
                    declined(&payment, status: .cancelled, code: "authentication_required", number, in: seats)
                    reply.fail(APIError(.paymentRequired, code: "authentication_required",
                                        message: "This card needs 3-D Secure authentication, which checkout does not support yet; use another card.",
                                        detailsJSON: "\"hold\":\"\(PublicID.hold(seats.id, number))\""))
                case .failure(.declined(let code, let declineCode, let message)):
                    declined(&payment, status: .declined, code: declineCode ?? code, number, in: seats)
                    var details = "\"decline_code\":\(JSONText.quoted(declineCode ?? code)),\"hold\":\"\(PublicID.hold(seats.id, number))\""
                    if declineCode != nil { details += ",\"card_error\":\(JSONText.quoted(code))" }
                    reply.fail(APIError(.paymentRequired, code: "payment_declined", message: message + " The hold is kept; try another card.",
                                        detailsJSON: details))
                case .failure(.invalidPaymentMethod(let message)):
                    declined(&payment, status: .failed, code: "invalid_payment_method", number, in: seats)
                    reply.fail(APIError(.unprocessableContent, code: "invalid_payment_method", message: message))
                case .failure(let other):
                    declined(&payment, status: .unknown, code: "provider_error", number, in: seats)
                    access.logger.warning("payment provider failed", metadata: ["error": .string("\(other)")])
                    reply.fail(APIError(.badGateway, code: "payment_provider_error",
                                        message: "The payment provider did not answer; the hold is kept, retry shortly."))
                }
            }
        }
    }

    /// The provider's idempotency key for one payment attempt of a hold: the
    /// reconciler asks again with it after a crash.
    static func paymentKey(showtime: Int64, hold: String, attempt: String) -> String {
        "marquee-\(showtime)-\(hold)-\(attempt)"
    }

    /// The hold leaves checkout: it may be changed, released or expire again.
    private func resume(_ number: UInt32, in seats: ShowtimeSeats) {
        seats.holds[number]?.paying = false
    }

    private func declined(_ payment: inout BatchWriter.PaymentRow, status: PaymentStatus, code: String, _ number: UInt32, in seats: ShowtimeSeats) {
        payment.status = status
        payment.errorCode = code
        writer?.payment(payment)
        resume(number, in: seats)
    }

    private func book(_ hold: HoldRecord, payment: BatchWriter.PaymentRow, in seats: ShowtimeSeats, reply: Reply) {
        var payment = payment
        let number = hold.number
        let intent = payment.intent ?? ""
        // Extended past the payment window and marked checking-out: only a
        // bug could have taken the seats meanwhile.
        guard seats.map.book(hold.seats, heldBy: number, as: number, now: Self.now()) else {
            payments.cancel(intent, on: access.loop) { _ in }
            declined(&payment, status: .cancelled, code: "hold_lost", number, in: seats)
            return reply.fail(APIError(.conflict, code: "hold_expired", message: "The hold expired before payment completed."))
        }
        seats.holds[number] = nil
        engine.userHolds.release(hold.userID)
        persist(hold, in: seats, status: .booked)
        // The attempt's row is not updated here: the booking below, in the
        // same batch, carries the intent and "authorized"; the attempt goes
        // from authorizing straight to its outcome (one row update fewer).
        let labels = seats.labels(of: hold.seats)
        let total = seats.total(of: hold.seats)
        var booking = BatchWriter.BookingRow(showtime: seats.id, number: number, user: hold.userID, seats: hold.seats, labels: labels,
                                             totalCents: total, currency: config.currency, intent: intent, paymentStatus: .authorized,
                                             isNew: true)
        writer?.booking(booking)
        booking.isNew = false
        seats.emit(.booked, hold.seats)
        writer?.whenCommitted { [self] error in
            if let error {
                return bookingNotCommitted(hold, payment: payment, error: error, in: seats, reply: reply)
            }
            payments.capture(intent, on: access.loop) { [self] captured in
                switch captured {
                case .success:
                    payment.status = .captured
                    writer?.payment(payment)
                    booking.paymentStatus = .captured
                    writer?.booking(booking)
                    // The capture's record is write-behind: after a crash the
                    // reconciler captures again, which providers answer idempotently.
                    reply(.json(.created, BookingJSON.confirmed(showtime: seats.id, number: number, labels: labels, totalCents: total,
                                                                currency: config.currency, intent: intent, createdUnix: Int64(time(nil)))))
                case .failure(let failure):
                    access.logger.error("capture failed after booking commit: cancelling the booking",
                                        metadata: ["intent": .string(intent), "error": .string("\(failure)")])
                    payment.status = .failed
                    payment.errorCode = "capture_failed"
                    writer?.payment(payment)
                    access.database?.query(BookingCancellation.sql, [String(seats.id), String(number), BookingPaymentStatus.captureFailed.rawValue, nil]) { _ in
                        let freed = seats.map.unbook(hold.seats, booking: number)
                        if !freed.isEmpty { seats.emit(.released, freed) }
                        reply.fail(APIError(.paymentRequired, code: "payment_failed",
                                            message: "The payment could not be completed; nothing was booked."))
                    }
                }
            }
        }
    }

    private func bookingNotCommitted(_ hold: HoldRecord, payment: BatchWriter.PaymentRow, error: PostgresError,
                                     in seats: ShowtimeSeats, reply: Reply) {
        if error.isUnavailable {
            // The commit may or may not have happened. PostgreSQL is the
            // truth: drop this showtime's memory; the next touch reloads it
            // and the reconciler captures or cancels the payment.
            forget(seats.id)
            return reply.fail(APIError(.serviceUnavailable, code: "booking_outcome_unknown",
                                       message: "The database went away while confirming; check GET /v1/me/bookings shortly.",
                                       headers: [HTTPResponse.Field(name: "Retry-After", value: "2")]))
        }
        access.logger.error("booking commit refused", metadata: ["error": .string("\(error)"), "showtime": .stringConvertible(seats.id)])
        var payment = payment
        payments.cancel(payment.intent ?? "", on: access.loop) { _ in }
        payment.status = .cancelled
        payment.errorCode = "booking_refused"
        writer?.payment(payment)
        var restored = hold
        restored.paying = false
        if seats.map.unbook(hold.seats, booking: hold.number, backTo: hold.number, until: hold.expiry) {
            seats.holds[hold.number] = restored
            engine.userHolds.add(hold.userID)
            persist(restored, in: seats, status: .live)
            seats.emit(.held, hold.seats)
        }
        reply.fail(APIError.internalError)
    }
}
