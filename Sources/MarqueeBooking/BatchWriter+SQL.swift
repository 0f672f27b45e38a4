import MarqueeSeating
import MarqueeStore

/// The batch writer's SQL: its two prepared statements (hold churn alone;
/// everything) and the array parameters each batch binds to them.
///
/// Both end in `marquee_check_fences` (migration 10) in the main SELECT:
/// PostgreSQL runs the main query before the data-modifying CTEs nobody
/// reads, so a stale fence is reported before any constraint of the
/// rows, and its error rolls back the whole statement either way. The
/// queueing, gathering and retries are in BatchWriter.swift.
extension BatchWriter {
    /// Hold churn alone (most batches): fewer parameters to send and read.
    static let holdsStatement = PreparedStatement("marquee_hold_batch", """
        WITH h AS (\(holdsUpsert)
        ), r AS (\(reservationsUpsert(showtimes: 7, numbers: 8))
        )
        SELECT set_config('synchronous_commit', coalesce($9, current_setting('synchronous_commit')), true),
               marquee_check_fences($10::bigint[], $11::bigint[])
        """)

    static func reservationsUpsert(showtimes: Int, numbers: Int) -> String {
        """

            INSERT INTO hold_number_blocks (showtime_id, reserved_through)
            SELECT * FROM unnest($\(showtimes)::bigint[], $\(numbers)::integer[])
            ON CONFLICT (showtime_id) DO UPDATE SET
                reserved_through = greatest(hold_number_blocks.reserved_through, excluded.reserved_through)
        """
    }

    static let holdsUpsert = """

            INSERT INTO holds (showtime_id, hold_no, user_id, seats, expires_at, status)
            SELECT t.s, t.n, t.u, t.seats::integer[], to_timestamp(t.e), t.st
            FROM unnest($1::bigint[], $2::integer[], $3::bigint[], $4::text[], $5::bigint[], $6::text[]) AS t(s, n, u, seats, e, st)
            ON CONFLICT (showtime_id, hold_no) DO UPDATE SET user_id = excluded.user_id, seats = excluded.seats,
                expires_at = excluded.expires_at, status = excluded.status, updated_at = now()
        """

    /// Everything: holds, payment attempts, bookings and their seats. Rows
    /// that cannot exist yet (`isNew`) are plain inserts, the others upserts.
    static let statement = PreparedStatement("marquee_seat_batch", """
        WITH h AS (\(holdsUpsert)
        ), pr AS (
            SELECT * FROM unnest($7::bigint[], $8::integer[], $9::integer[], $10::bigint[], $11::integer[], $12::text[],
                                 $13::text[], $14::text[], $15::text[], $16::text[], $17::boolean[])
                AS t(s, n, a, u, amount, cur, method, intent, st, error, fresh)
        ), pn AS (
            INSERT INTO payments (showtime_id, hold_no, attempt, user_id, amount_cents, currency, payment_method,
                                  intent_id, status, error_code)
            SELECT s, n, a, u, amount, cur, method, intent, st, error FROM pr WHERE fresh
        ), p AS (
            INSERT INTO payments (showtime_id, hold_no, attempt, user_id, amount_cents, currency, payment_method,
                                  intent_id, status, error_code)
            SELECT s, n, a, u, amount, cur, method, intent, st, error FROM pr WHERE NOT fresh
            ON CONFLICT (showtime_id, hold_no, attempt) DO UPDATE SET
                intent_id = coalesce(excluded.intent_id, payments.intent_id), status = excluded.status,
                error_code = excluded.error_code, updated_at = now()
        ), br AS (
            SELECT t.s, t.n, t.u, t.seats::integer[] AS seats, t.labels::text[] AS labels, t.total, t.cur, t.intent, t.ps, t.fresh
            FROM unnest($18::bigint[], $19::integer[], $20::bigint[], $21::text[], $22::text[], $23::integer[],
                        $24::text[], $25::text[], $26::text[], $27::boolean[]) AS t(s, n, u, seats, labels, total, cur, intent, ps, fresh)
        ), bn AS (
            INSERT INTO bookings (showtime_id, booking_no, user_id, seats, seat_labels, total_cents, currency,
                                  payment_intent, payment_status, status)
            SELECT s, n, u, seats, labels, total, cur, intent, ps, 'confirmed' FROM br WHERE fresh
        ), b AS (
            INSERT INTO bookings (showtime_id, booking_no, user_id, seats, seat_labels, total_cents, currency,
                                  payment_intent, payment_status, status)
            SELECT s, n, u, seats, labels, total, cur, intent, ps, 'confirmed' FROM br WHERE NOT fresh
            ON CONFLICT (showtime_id, booking_no) DO UPDATE SET payment_status = excluded.payment_status
                WHERE bookings.payment_status = 'authorized'
        ), k AS (
            INSERT INTO booked_seats (showtime_id, seat, booking_no)
            SELECT * FROM unnest($28::bigint[], $29::integer[], $30::integer[])
        ), r AS (\(reservationsUpsert(showtimes: 31, numbers: 32))
        )
        SELECT set_config('synchronous_commit', coalesce($33, current_setting('synchronous_commit')), true),
               marquee_check_fences($34::bigint[], $35::bigint[])
        """)

    static func holdParameters(_ holds: [HoldRow]) -> [String?] {
        [
            PostgresArray.literal(holds.map(\.showtime)),
            PostgresArray.literal(holds.map(\.number)),
            PostgresArray.literal(holds.map(\.user)),
            PostgresArray.literal(integerLists: holds.map(\.seats)),
            PostgresArray.literal(holds.map(\.expiresUnix)),
            PostgresArray.literal(strings: holds.map(\.status.rawValue)),
        ]
    }

    /// The fence parameters: each showtime the batch writes, with the fence
    /// of its lease (0 when this shard holds none: always refused).
    static func fences(for holds: [HoldRow], _ payments: [PaymentRow], _ bookings: [BookingRow],
                       _ reservations: [Int64: UInt32], known: [Int64: Int64]) -> [String?] {
        var showtimes = Set(holds.map(\.showtime))
        showtimes.formUnion(payments.map(\.showtime))
        showtimes.formUnion(bookings.map(\.showtime))
        showtimes.formUnion(reservations.keys)
        let ordered = showtimes.sorted()
        return [PostgresArray.literal(ordered), PostgresArray.literal(ordered.map { known[$0] ?? 0 })]
    }

    static func reservationParameters(_ reservations: [Int64: UInt32]) -> [String?] {
        // A dictionary's keys and values come in the same order.
        [PostgresArray.literal(reservations.keys), PostgresArray.literal(reservations.values)]
    }

    static func parameters(_ holds: [HoldRow], _ payments: [PaymentRow], _ bookings: [BookingRow]) -> [String?] {
        // A booking's seats are inserted with the booking, not with its capture.
        let bookedSeats = bookings.filter { $0.paymentStatus == .authorized }
            .flatMap { booking in booking.seats.map { (booking.showtime, $0, booking.number) } }
        return holdParameters(holds) + [
            PostgresArray.literal(payments.map(\.showtime)),
            PostgresArray.literal(payments.map(\.hold)),
            PostgresArray.literal(payments.map(\.attempt)),
            PostgresArray.literal(payments.map(\.user)),
            PostgresArray.literal(payments.map(\.amountCents)),
            PostgresArray.literal(strings: payments.map(\.currency)),
            PostgresArray.literal(strings: payments.map(\.method)),
            PostgresArray.literal(payments.map(\.intent)),
            PostgresArray.literal(strings: payments.map(\.status.rawValue)),
            PostgresArray.literal(payments.map(\.errorCode)),
            PostgresArray.literal(strings: payments.map { $0.isNew ? "t" : "f" }),
            PostgresArray.literal(bookings.map(\.showtime)),
            PostgresArray.literal(bookings.map(\.number)),
            PostgresArray.literal(bookings.map(\.user)),
            PostgresArray.literal(integerLists: bookings.map(\.seats)),
            PostgresArray.literal(strings: bookings.map { PostgresArray.literal(strings: $0.labels) }),
            PostgresArray.literal(bookings.map(\.totalCents)),
            PostgresArray.literal(strings: bookings.map(\.currency)),
            PostgresArray.literal(strings: bookings.map(\.intent)),
            PostgresArray.literal(strings: bookings.map(\.paymentStatus.rawValue)),
            PostgresArray.literal(strings: bookings.map { $0.isNew ? "t" : "f" }),
            PostgresArray.literal(bookedSeats.map(\.0)),
            PostgresArray.literal(bookedSeats.map(\.1)),
            PostgresArray.literal(bookedSeats.map(\.2)),
        ]
    }
}
