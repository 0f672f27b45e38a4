import Logging
import MarqueeHTTP
import MarqueePayments
import MarqueeSeating
import MarqueeStore
import MarqueeLoop

/// Settles what a crash left between the payment provider and PostgreSQL,
/// before a showtime's seat map is built:
/// - a checkout attempt with no booking (`authorizing`, `authorized`,
///   `unknown`): its authorisation is cancelled, the attempt marked so.
///   One without an intent id may have been authorised just before the
///   crash: the authorisation is asked for again with the same idempotency
///   key, which returns the provider's first answer (or authorises afresh
///   if the first call never arrived), and that intent is cancelled. Keys
///   live 24 hours at Stripe, so older attempts are only marked failed
///   (their authorisations lapse by themselves). When the provider cannot
///   be reached the attempt is marked `unknown`, settled on a later load;
/// - a booking committed but not captured: captured now; if the provider
///   no longer knows the intent, the booking is cancelled and its seats
///   freed, so no seat is ever sold unpaid.
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

    static let unsettledSQL = """
        SELECT 'attempt', p.hold_no, p.attempt, p.intent_id, p.amount_cents, p.currency, p.payment_method,
               p.updated_at > now() - interval '23 hours', p.user_id
        FROM payments p
        WHERE p.showtime_id = $1 AND p.status IN ('authorizing', 'requires_action', 'authorized', 'unknown')
          AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.showtime_id = p.showtime_id AND b.booking_no = p.hold_no)
        UNION ALL
        SELECT 'booking', b.booking_no, 0, b.payment_intent, NULL, NULL, NULL, NULL, NULL FROM bookings b
        WHERE b.showtime_id = $1 AND b.status = 'confirmed' AND b.payment_status = 'authorized'
        """

    /// Calls `completion` with nil once every unsettled payment of the showtime is settled.
    func reconcile(showtime: Int64, _ completion: @escaping (APIError?) -> Void) {
        database.query(Self.unsettledSQL, [String(showtime)]) { [self] result in
            switch result {
            case .failure(let error):
                completion(APIError(databaseFailure: error))
            case .success(let rows):
                settle(showtime, rows.rows[...], completion)
            }
        }
    }

    private func settle(_ showtime: Int64, _ rows: ArraySlice<[String?]>, _ completion: @escaping (APIError?) -> Void) {
        guard let row = rows.first else {
            completion(nil)
            return
        }
        let rest = rows.dropFirst()
        let number = row[1] ?? "0"
        let next: (PostgresConnection.Completion) = { [self] result in
            if case .failure(let error) = result {
                completion(APIError(databaseFailure: error))
                return
            }
            settle(showtime, rest, completion)
        }
        if row[0] == "attempt" {
            let attempt = row[2] ?? "0"
            // The intent, once known, is kept (coalesce): a later load can cancel it.
            let mark = { [self] (status: PaymentStatus, intent: String?) in
                database.query("""
                    UPDATE payments SET status = $4, intent_id = coalesce(intent_id, $5), updated_at = now()
                    WHERE showtime_id = $1 AND hold_no = $2 AND attempt = $3
                    """, [String(showtime), number, attempt, status.rawValue, intent], next)
            }
            let cancel = { [self] (intent: String) in
                provider.cancel(intent, on: loop) { [self] result in
                    logger.notice("reconciled an unfinished checkout", metadata: [
                        "showtime": .stringConvertible(showtime), "hold": .string(number), "intent": .string(intent),
                        "outcome": .string("\(result)"),
                    ])
                    if case .failure(.unavailable) = result { mark(.unknown, intent) } else { mark(.cancelled, intent) }
                }
            }
            if let intent = row[3] { return cancel(intent) }
            guard row[7] == "t", let amount = row[4].flatMap({ Int($0) }), let currency = row[5], let method = row[6] else {
                return mark(.failed, nil)
            }
            // The same request and key as the checkout's.
            let request = PaymentRequest(amountCents: amount, currency: currency, paymentMethod: method,
                                         idempotencyKey: PaymentAttempt.idempotencyKey(showtime: showtime, hold: number, attempt: attempt),
                                         metadata: PaymentAttempt.metadata(showtime: showtime, hold: number, user: row[8] ?? "",
                                                                           attempt: attempt))
            provider.authorize(request, on: loop) { result in
                switch result {
                case .success(let intent): cancel(intent.id)
                case .failure(.unavailable): mark(.unknown, nil)
                case .failure: mark(.failed, nil)  // declined or refused: nothing was authorised
                }
            }
        } else {
            let intent = row[3] ?? ""
            provider.capture(intent, on: loop) { [self] result in
                let paymentStatus: PaymentStatus
                switch result {
                case .success:
                    paymentStatus = .captured
                    database.query("UPDATE bookings SET payment_status = $3 WHERE showtime_id = $1 AND booking_no = $2",
                                   [String(showtime), number, BookingPaymentStatus.captured.rawValue]) { _ in }
                case .failure(let error):
                    paymentStatus = .failed
                    logger.warning("a booking's payment could not be captured after a restart: booking cancelled", metadata: [
                        "showtime": .stringConvertible(showtime), "booking": .string(number), "error": .string("\(error)"),
                    ])
                    database.query(BookingCancellation.sql, [String(showtime), number, BookingPaymentStatus.captureFailed.rawValue, nil]) { _ in }
                }
                // Pipelined after the statement above on the same connection.
                database.query("""
                    UPDATE payments SET status = $3, intent_id = coalesce(intent_id, $4), updated_at = now()
                    WHERE showtime_id = $1 AND hold_no = $2 AND status IN ('authorizing', 'requires_action', 'authorized', 'unknown')
                    """, [String(showtime), number, paymentStatus.rawValue, intent], next)
            }
        }
    }
}
