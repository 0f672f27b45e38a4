import Logging
import MarqueeCatalog
import MarqueeHTTP
import MarqueeLoop
import MarqueePayments
import MarqueeSeating
import MarqueeStore

/// Settles what a crash, a lost answer or a failed refund left between the
/// payment provider and PostgreSQL, one showtime at a time: before its seat
/// map is built, and from each shard's periodic sweep of the showtimes it
/// owns (OwnerShard+Reconciling). The provider is asked what became of
/// each intent, and:
/// - a checkout attempt with no booking (`authorizing`, `requires_action`,
///   `authorized`, `unknown`): an authorised intent is captured and booked
///   when the seats are still the buyer's (the hold's row unexpired,
///   none of its seats booked or blocked) and the showtime is
///   not loaded (`mayBook`: a loaded map is the truth for its seats);
///   otherwise it is cancelled (refunded if already captured). One without
///   an intent id may have been authorised just before a crash: the
///   authorisation is asked for again with the same idempotency key, which
///   returns the provider's first answer (or authorises afresh if the first
///   call never arrived). Keys live 24 hours at Stripe, so older attempts
///   are only marked failed (their authorisations lapse by themselves).
///   When the provider cannot be reached the attempt is marked `unknown`,
///   settled by a later pass;
/// - a booking committed but not captured: captured now; if the provider
///   refuses, the booking is cancelled, its seats freed and the
///   authorisation cancelled, so no seat is ever sold unpaid;
/// - a booking whose refund failed: refunded again when `mayRefund` says
///   its backoff is over.
/// A hold whose checkout is under way here (`underWay`, asked as each row
/// comes up, so a checkout that started during the pass counts) is left alone. A pass runs
/// only under the showtime's lease, and its seat writes (a booking, the
/// cancel of an unpaid one) carry the lease's fence like every other seat
/// write, so a pass on an instance that lost the lease changes no seat.
final class PaymentReconciler {
    private let database: PostgresConnection
    private let provider: PaymentProvider
    private let loop: EventLoop
    private let logger: Logger

    init(database: PostgresConnection, provider: PaymentProvider, loop: EventLoop, logger: Logger) {
        self.database = database
        self.provider = provider
        self.loop = loop
        self.logger = logger
    }

    /// What one pass may do.
    struct Pass {
        /// The showtime's lease fence (`marquee_check_fences`).
        var fence: Int64
        var mayBook = true
        /// Whether a checkout of this hold is under way on this shard.
        var underWay: (UInt32) -> Bool = { _ in false }
        /// Whether a failed refund of this intent is due for another try.
        var mayRefund: (String) -> Bool = { _ in true }
        /// A refund tried again: succeeded or not.
        var refunded: (String, Bool) -> Void = { _, _ in }
    }

    static let unsettledSQL = """
        SELECT 'attempt', p.hold_no, p.attempt, p.intent_id, p.amount_cents, p.currency, p.payment_method,
               p.updated_at > now() - interval '23 hours', p.user_id
        FROM payments p
        WHERE p.showtime_id = $1 AND p.status IN ('authorizing', 'requires_action', 'authorized', 'unknown')
          AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.showtime_id = p.showtime_id AND b.booking_no = p.hold_no)
        UNION ALL
        SELECT CASE b.payment_status WHEN 'authorized' THEN 'booking' ELSE 'refund' END, b.booking_no, 0, b.payment_intent,
               NULL, NULL, NULL, NULL, b.user_id
        FROM bookings b
        WHERE b.showtime_id = $1 AND ((b.status = 'confirmed' AND b.payment_status = 'authorized') OR b.payment_status = 'refund_failed')
        """

    /// Calls `completion` with nil once every unsettled payment of the showtime is settled.
    func reconcile(showtime: Int64, _ pass: Pass, _ completion: @escaping (APIError?) -> Void) {
        database.query(Self.unsettledSQL, [String(showtime)]) { [self] result in
            switch result {
            case .failure(let error):
                completion(APIError(databaseFailure: error))
            case .success(let rows):
                settle(showtime, rows.rows[...], pass, completion)
            }
        }
    }

    private func settle(_ showtime: Int64, _ rows: ArraySlice<[String?]>, _ pass: Pass, _ completion: @escaping (APIError?) -> Void) {
        let pending = rows.drop { pass.underWay(UInt32($0[1] ?? "") ?? 0) }
        guard let row = pending.first else { return completion(nil) }
        let rest = pending.dropFirst()
        let next: PostgresConnection.Completion = { [self] result in
            if case .failure(let error) = result { return completion(APIError(databaseFailure: error)) }
            settle(showtime, rest, pass, completion)
        }
        switch row[0] {
        case "attempt": settleAttempt(showtime, row, pass, next)
        case "booking": capture(showtime, booking: row[1] ?? "0", intent: row[3] ?? "", fence: pass.fence, next)
        default: refund(showtime, booking: row[1] ?? "0", intent: row[3] ?? "", pass, next)
        }
    }

    // MARK: Attempts without a booking

    private func settleAttempt(_ showtime: Int64, _ row: [String?], _ pass: Pass, _ next: @escaping PostgresConnection.Completion) {
        let number = row[1] ?? "0", attempt = row[2] ?? "0", user = row[8] ?? ""
        // The intent, once known, is kept (coalesce): a later pass can settle it.
        let mark = { [self] (status: PaymentStatus, code: String?, intent: String?) in
            database.query("""
                UPDATE payments SET status = $4, error_code = coalesce($6, error_code), intent_id = coalesce(intent_id, $5), updated_at = now()
                WHERE showtime_id = $1 AND hold_no = $2 AND attempt = $3
                """, [String(showtime), number, attempt, status.rawValue, intent, code], next)
        }
        let found = { [self] (result: Result<PaymentIntent, PaymentError>) in
            switch result {
            case .success(let intent):
                settle(showtime, hold: number, user: user, intent: intent, pass, mark: mark, next)
            case .failure(.unavailable):
                mark(.unknown, nil, row[3])
            case .failure(let error):
                // Declined, refused, unknown to the provider: nothing was authorised.
                logger.notice("reconciled an attempt the provider never authorised", metadata: [
                    "showtime": .stringConvertible(showtime), "hold": .string(number), "error": .string("\(error)"),
                ])
                mark(.failed, nil, row[3])
            }
        }
        if let intent = row[3] { return provider.retrieve(intent, on: loop, found) }
        guard row[7] == "t", let amount = row[4].flatMap({ Int($0) }), let currency = row[5], let method = row[6] else {
            return mark(.failed, nil, nil)
        }
        // The same request and key as the checkout's.
        let request = PaymentRequest(amountCents: amount, currency: currency, paymentMethod: method,
                                     idempotencyKey: PaymentAttempt.idempotencyKey(showtime: showtime, hold: number, attempt: attempt),
                                     metadata: PaymentAttempt.metadata(showtime: showtime, hold: number, user: user, attempt: attempt))
        provider.authorize(request, on: loop) { [self] result in
            // A replay under the same key answers as the first request was
            // answered (providers keep that answer for a day), not as the
            // intent is now: the checkout may have cancelled it since.
            guard case .success(let replayed) = result else { return found(result) }
            provider.retrieve(replayed.id, on: loop, found)
        }
    }

    /// An attempt's intent as the provider knows it: booked if authorised
    /// and the seats are still the buyer's, otherwise let go.
    private func settle(_ showtime: Int64, hold number: String, user: String, intent: PaymentIntent, _ pass: Pass,
                        mark: @escaping (PaymentStatus, String?, String?) -> Void, _ next: @escaping PostgresConnection.Completion) {
        let letGo = { [self] (code: String) in
            let done = { (result: Result<PaymentIntent, PaymentError>) in
                self.logger.notice("reconciled an unfinished checkout", metadata: [
                    "showtime": .stringConvertible(showtime), "hold": .string(number), "intent": .string(intent.id),
                    "outcome": .string("\(result)"),
                ])
                switch result {
                case .failure(.unavailable): mark(.unknown, nil, intent.id)
                case .success(let settled) where settled.status == .refunded: mark(.refunded, code, intent.id)
                default: mark(.cancelled, code, intent.id)
                }
            }
            if intent.status == .succeeded { provider.refund(intent.id, on: loop, done) } else { provider.cancel(intent.id, on: loop, done) }
        }
        switch intent.status {
        case .requiresCapture, .succeeded:
            guard pass.mayBook else { return letGo("hold_lost") }
            book(showtime, hold: number, user: user, intent: intent, fence: pass.fence) { [self] booked in
                switch booked {
                // The database gone or the lease lost: nothing decided, a later pass (or the new owner's) settles it.
                case .failure(let error): return next(.failure(error))
                case .success(false): return letGo("hold_lost")
                case .success(true): break
                }
                // Now a booking like any other: captured, or cancelled if refused.
                capture(showtime, booking: number, intent: intent.id, fence: pass.fence, next)
            }
        case .canceled:
            mark(.cancelled, nil, intent.id)
        case .processing:
            mark(.unknown, nil, intent.id)
        case .requiresAction, .requiresConfirmation, .requiresPaymentMethod, .refunded:
            // A checkout that waited for 3-D Secure is gone with its process.
            letGo("checkout_lost")
        }
    }

    /// Books the hold's seats for an authorised intent when they are still
    /// the buyer's: its row unexpired, none of its seats booked or blocked
    /// since. The row may read `booked` already: written with a booking
    /// whose commit failed (the batch writer keeps the hold's row, not the
    /// booking's, for its retry). One statement: hold, booking and seat rows.
    private func book(_ showtime: Int64, hold number: String, user: String, intent: PaymentIntent, fence: Int64,
                      _ completion: @escaping (Result<Bool, PostgresError>) -> Void) {
        database.query("""
            SELECT array_to_string(h.seats, ','), a.layout::text FROM holds h
            JOIN showtimes s ON s.id = h.showtime_id JOIN auditoriums a ON a.id = s.auditorium_id
            WHERE h.showtime_id = $1 AND h.hold_no = $2 AND h.user_id = $3 AND h.status IN ('live', 'booked') AND h.expires_at > now()
            """, [String(showtime), number, user]) { [self] result in
            let rows: QueryResult
            switch result {
            case .failure(let error): return completion(.failure(error))
            case .success(let found): rows = found
            }
            guard let row = rows.rows.first, let layout = try? SeatLayout.decode(json: row[1] ?? "") else { return completion(.success(false)) }
            let all = layout.seats
            let seats = (row[0] ?? "").split(separator: ",").compactMap { Int($0) }.filter { $0 >= 0 && $0 < all.count }.sorted()
            guard !seats.isEmpty else { return completion(.success(false)) }
            let seatList = PostgresArray.literal(seats)
            database.query("""
                WITH h AS (
                    UPDATE holds SET status = 'booked', updated_at = now()
                    WHERE showtime_id = $1 AND hold_no = $2 AND user_id = $3 AND status IN ('live', 'booked') AND expires_at > now()
                      AND NOT EXISTS (SELECT 1 FROM booked_seats k WHERE k.showtime_id = $1 AND k.seat = ANY($4::integer[]))
                      AND NOT EXISTS (SELECT 1 FROM seat_blocks k WHERE k.showtime_id = $1 AND k.seat = ANY($4::integer[]))
                      AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.showtime_id = $1 AND b.booking_no = $2)
                      AND marquee_check_fences(ARRAY[$1]::bigint[], ARRAY[$9]::bigint[])
                    RETURNING 1
                ), b AS (
                    INSERT INTO bookings (showtime_id, booking_no, user_id, seats, seat_labels, total_cents, currency,
                                          payment_intent, payment_status, status)
                    SELECT $1, $2, $3, $4::integer[], $5::text[], $6, $7, $8, 'authorized', 'confirmed' FROM h RETURNING 1
                ), k AS (
                    INSERT INTO booked_seats (showtime_id, seat, booking_no) SELECT $1, unnest($4::integer[]), $2 FROM b
                )
                SELECT count(*) FROM b
                """, [String(showtime), number, user, seatList, PostgresArray.literal(strings: seats.map { all[$0].label }),
                      String(intent.amountCents), intent.currency, intent.id, String(fence)]) { [self] booked in
                let done: Bool
                switch booked {
                case .failure(let error): return completion(.failure(error))
                case .success(let rows): done = rows.scalar == "1"
                }
                if done {
                    logger.notice("reconciliation booked a checkout a crash interrupted", metadata: [
                        "showtime": .stringConvertible(showtime), "hold": .string(number), "intent": .string(intent.id),
                    ])
                }
                completion(.success(done))
            }
        }
    }

    // MARK: Bookings

    /// Captures a committed booking's payment; if the provider refuses, the
    /// booking is cancelled (its seats freed) and the authorisation too.
    private func capture(_ showtime: Int64, booking number: String, intent: String, fence: Int64, _ next: @escaping PostgresConnection.Completion) {
        provider.capture(intent, on: loop) { [self] result in
            let record = { [self] (status: PaymentStatus) in
                database.query("""
                    UPDATE payments SET status = $3, intent_id = coalesce(intent_id, $4), updated_at = now()
                    WHERE showtime_id = $1 AND hold_no = $2 AND status IN ('authorizing', 'requires_action', 'authorized', 'unknown')
                    """, [String(showtime), number, status.rawValue, intent], next)
            }
            switch result {
            case .success:
                database.query("UPDATE bookings SET payment_status = $3 WHERE showtime_id = $1 AND booking_no = $2 AND payment_status = 'authorized'",
                               [String(showtime), number, BookingPaymentStatus.captured.rawValue]) { _ in }
                // Pipelined after the statement above on the same connection.
                record(.captured)
            case .failure(.unavailable):
                // Unknown: a later pass captures (captures are idempotent).
                next(.success(QueryResult(columns: [], rows: [])))
            case .failure(let error):
                logger.warning("a booking's payment could not be captured: booking cancelled", metadata: [
                    "showtime": .stringConvertible(showtime), "booking": .string(number), "error": .string("\(error)"),
                ])
                // The authorisation is let go only once the booking is
                // cancelled: a refused cancel (a lost lease, the database
                // gone) leaves both for a later pass, never a seat sold
                // with no payment behind it.
                database.query(BookingCancellation.sql, [String(showtime), number, BookingPaymentStatus.captureFailed.rawValue, nil,
                                                         String(fence)]) { [self] cancelled in
                    if case .failure(let error) = cancelled { return next(.failure(error)) }
                    provider.cancel(intent, on: loop) { _ in }
                    record(.failed)
                }
            }
        }
    }

    /// Tries a failed refund again, when its backoff allows.
    private func refund(_ showtime: Int64, booking number: String, intent: String, _ pass: Pass,
                        _ next: @escaping PostgresConnection.Completion) {
        guard pass.mayRefund(intent) else { return next(.success(QueryResult(columns: [], rows: []))) }
        provider.refund(intent, on: loop) { [self] result in
            let refunded = if case .success = result { true } else { false }
            pass.refunded(intent, refunded)
            guard refunded else {
                logger.warning("a refund failed again: retried later", metadata: [
                    "showtime": .stringConvertible(showtime), "booking": .string(number), "intent": .string(intent),
                ])
                return next(.success(QueryResult(columns: [], rows: [])))
            }
            logger.notice("a failed refund is settled", metadata: ["intent": .string(intent)])
            database.query("""
                WITH b AS (
                    UPDATE bookings SET payment_status = 'refunded'
                    WHERE showtime_id = $1 AND booking_no = $2 AND payment_status = 'refund_failed'
                )
                UPDATE payments SET status = 'refunded', updated_at = now()
                WHERE showtime_id = $1 AND hold_no = $2 AND intent_id = $3 AND status = 'captured'
                """, [String(showtime), number, intent], next)
        }
    }
}
