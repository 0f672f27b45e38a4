import MarqueeCore
import MarqueeHTTP
import MarqueeSeating

/// Cancelling a booking before its showtime starts: the booking and its
/// seat rows change in one statement, then the seats are freed in the
/// words and the payment is refunded.
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
                        status = .refundFailed
                        access.logger.error("refund failed: settle it by hand", metadata: [
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
