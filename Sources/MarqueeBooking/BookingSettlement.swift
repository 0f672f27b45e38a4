import MarqueeSeating
import MarqueeStore

/// A booking whose commit met a database outage may or may not be in
/// PostgreSQL. Its checkout keeps the seats booked in the map and writes
/// the booking again with this statement until one commit is known
/// (CheckoutMachine's `settlingBooking`):
///
/// - the booking is inserted unless it is there already. `ON CONFLICT DO
///   NOTHING` waits for a first write still in flight on a connection
///   that was lost (its backend may commit late) and then skips or inserts;
/// - its seats are inserted only with a booking this statement inserted,
///   so a first write that landed is never written twice, while a seat
///   another booking holds still fails the statement, as in a batch;
/// - the lease fence is checked like every seat write: a stale owner
///   writes nothing (MQ409) and leaves the attempt to the new owner.
///
/// Not the batch writer's upsert: that statement inserts a booking's seats
/// with the booking's first row, and cannot tell a first write that landed
/// from a seat taken by another booking.
enum BookingSettlement {
    /// $1 showtime, $2 booking number, $3 buyer, $4 seats, $5 labels,
    /// $6 total, $7 currency, $8 intent, $9 the lease fence.
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
        SELECT count(*) FROM b
        """

    static func parameters(_ booking: BookingRecord, fence: String) -> [String?] {
        [
            String(booking.showtime), String(booking.number), String(booking.user),
            PostgresArray.literal(booking.seats),
            PostgresArray.literal(strings: booking.labels), String(booking.totalCents), booking.currency, booking.intent, fence,
        ]
    }
}
