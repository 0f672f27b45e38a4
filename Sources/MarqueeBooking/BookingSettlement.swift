import MarqueeSeating
import MarqueeStore

/// A booking whose commit met a database outage may or may not be in
/// PostgreSQL. Its checkout keeps the seats booked in the map and writes
/// the booking again with this statement until its outcome is known
/// (CheckoutMachine's `settlingBooking`, CheckoutRun.settle):
///
/// - the booking is inserted unless it is there already (`ON CONFLICT DO
///   NOTHING`), and its seats only with a booking this statement inserted,
///   so a first write that landed is never written twice, while a seat
///   another booking holds still fails the statement (`seatTaken`: then
///   this booking is surely absent);
/// - a first write still in flight on the lost connection (its backend
///   may not have noticed yet) either commits first, when this statement
///   then finds its row, or rolls back; or, since a batch inserts the
///   seats before the booking, the two deadlock and PostgreSQL rolls one
///   back. None of that is a refusal: the settle is tried again;
/// - the answer also reads the booking's row as it was when the statement
///   began. A first write that committed while this statement waited is
///   not in that snapshot: unknown, tried again, found the next time;
/// - the checkout's lease fence is checked like every seat write: after
///   the showtime changed hands nothing is written (MQ409) and the attempt
///   is left to the owner's reconciliation.
///
/// Not the batch writer's upsert: that statement inserts a booking's seats
/// with the booking's first row, and cannot tell a first write that landed
/// from a seat taken by another booking.
enum BookingSettlement {
    /// $1 showtime, $2 booking number, $3 buyer, $4 seats, $5 labels,
    /// $6 total, $7 currency, $8 intent, $9 the lease fence. One row: 1 if
    /// inserted now, else 0 and the row found (`status:payment_status:intent`) or NULL.
    static let sql = """
        WITH b AS (
            INSERT INTO bookings (showtime_id, booking_no, user_id, seats, seat_labels, total_cents, currency,
                                  payment_intent, payment_status, status)
            SELECT $1, $2, $3, $4::integer[], $5::text[], $6, $7, $8, 'authorized', 'confirmed'
            WHERE marquee_check_fences(ARRAY[$1]::bigint[], ARRAY[$9]::bigint[])
            ON CONFLICT (showtime_id, booking_no) DO NOTHING
            RETURNING showtime_id, booking_no, seats
        ), k AS (
            INSERT INTO booked_seats (showtime_id, seat, booking_no)
            SELECT b.showtime_id, s, b.booking_no FROM b, unnest(b.seats) AS s
        )
        SELECT (SELECT count(*) FROM b),
               (SELECT status || ':' || payment_status || ':' || payment_intent FROM bookings WHERE showtime_id = $1 AND booking_no = $2)
        """

    /// A seat of the booking is another booking's (`booked_seats`' key).
    static func seatTaken(_ error: PostgresError) -> Bool {
        guard case .server("23505", _, _, let constraint) = error else { return false }
        return constraint == "booked_seats_pkey"
    }

    enum Outcome: Equatable {
        /// In PostgreSQL as the checkout made it: capture it.
        case written
        /// Not known yet: write it again.
        case unknown
        /// A row under that number that is not this checkout's booking.
        case differs(String)
    }

    static func outcome(_ rows: QueryResult, _ booking: BookingRecord) -> Outcome {
        let row = rows.rows.first
        if row?[0] == "1" { return .written }
        guard let found = row?[1] ?? nil else { return .unknown }
        return found == "confirmed:authorized:\(booking.intent)" ? .written : .differs(found)
    }

    static func parameters(_ booking: BookingRecord, fence: String) -> [String?] {
        [
            String(booking.showtime), String(booking.number), String(booking.user),
            PostgresArray.literal(booking.seats),
            PostgresArray.literal(strings: booking.labels), String(booking.totalCents), booking.currency, booking.intent, fence,
        ]
    }
}
