import MarqueeCore
import MarqueeHTTP
import MarqueeSeating

/// Cancelling a booking until `BOOKING_CANCEL_CUTOFF_MINUTES` before its
/// showtime: the booking and its seat rows change in one statement, then
/// the seats are freed in the words and the payment is refunded.
///
/// A buyer's cancel while the booking's checkout is still capturing is
/// refused, 409 `payment_in_progress`, until the capture settles:
/// cancelling then would free the seats while the capture goes on to take
/// the money, and waiting for the capture inside the request would hold
/// it across provider calls. The checkout runs on the showtime's owner
/// shard, as the cancel does, so its being under way is known there
/// without a query (the booking's row says `authorized` a little longer:
/// the capture's record is write-behind). It settles within one provider
/// call, so a retry soon after succeeds and refunds. After a crash, the
/// showtime's load captures or cancels such bookings before any cancel.
enum BookingCancellation {
    /// $1 showtime, $2 booking number, $3 new payment status or NULL, $4 the
    /// owner or NULL, $5 the showtime's lease fence (a stale owner's cancel
    /// is refused like its batches: ShowtimeLease).
    static let sql = """
        WITH b AS (
            UPDATE bookings SET status = 'cancelled', cancelled_at = now(), payment_status = coalesce($3, payment_status)
            WHERE showtime_id = $1 AND booking_no = $2 AND status = 'confirmed' AND ($4::bigint IS NULL OR user_id = $4)
              AND marquee_check_fences(ARRAY[$1]::bigint[], ARRAY[$5]::bigint[])
            RETURNING seats, payment_intent
        ), d AS (
            DELETE FROM booked_seats k USING b WHERE k.showtime_id = $1 AND k.booking_no = $2
        )
        SELECT array_to_string(seats, ','), payment_intent FROM b
        """
}

extension OwnerShard {
    func cancelBooking(_ number: UInt32, user: Int64, in seats: ShowtimeSeats, reply: Reply) {
        guard let database = access.database else { return reply.fail(APIError.databaseUnavailable) }
        guard seats.startsAtUnix > now().unix else {
            return reply.fail(APIError(.conflict, code: "showtime_started", message: "A booking cannot be cancelled once its showtime has started."))
        }
        guard seats.startsAtUnix - Int64(config.cancelCutoffMinutes) * 60 > now().unix else {
            return reply.fail(APIError(.conflict, code: "cancellation_cutoff_passed",
                                       message: "Bookings can be cancelled until \(config.cancelCutoffMinutes) minutes before the showtime starts.",
                                       detailsJSON: "\"cutoff_minutes\":\(config.cancelCutoffMinutes)"))
        }
        if let run = checkouts[HoldKey(showtime: seats.id, number: number)], run.user == user, run.isCapturing {
            return reply.fail(APIError(.conflict, code: "payment_in_progress", message: "The booking's payment is being captured; retry shortly.",
                                       headers: [HTTPResponse.Field(name: "Retry-After", value: "1")]))
        }
        database.query(BookingCancellation.sql, [String(seats.id), String(number), nil, String(user), fence(of: seats.id)]) {
            [self] result in
            switch result {
            case .failure(let error):
                reply.fail(refusal(error, showtime: seats.id))
            case .success(let rows):
                guard let row = rows.rows.first else {
                    // Not cancelled now: someone else's, missing, or cancelled before.
                    return BookingReads.fetch(database, showtime: seats.id, number: number, user: user) { found in
                        switch found {
                        case .success: reply.fail(APIError(.conflict, code: "booking_already_cancelled", message: "This booking is already cancelled."))
                        case .failure(let error): reply.fail(error)
                        }
                    }
                }
                let booked = (row[0] ?? "").split(separator: ",").compactMap { Int($0) }
                seats.freeBookedSeats(booked, booking: number)
                let intent = row[1] ?? ""
                payments.refund(intent, on: access.loop) { [self] refunded in
                    let status: BookingPaymentStatus
                    switch refunded {
                    case .success: status = .refunded
                    case .failure(let error):
                        // Retried with backoff by the reconciliation sweeps; visible
                        // meanwhile (GET /v1/admin/payments?status=attention, /metrics).
                        status = .refundFailed
                        refundFailed(intent)
                        access.logger.error("refund failed: retried later", metadata: [
                            "intent": .string(intent), "error": .string("\(error)"),
                        ])
                    }
                    database.query("UPDATE bookings SET payment_status = $3 WHERE showtime_id = $1 AND booking_no = $2",
                                   [String(seats.id), String(number), status.rawValue]) { _ in
                        BookingReads.fetch(database, showtime: seats.id, number: number, user: user) { found in
                            switch found {
                            case .success(let json): reply(.json(.ok, json))
                            case .failure(let error): reply.fail(error)
                            }
                        }
                    }
                }
            }
        }
    }
}
