import Foundation
import Logging
import MarqueeHTTP
import MarqueeLoop
import MarqueeServer
import MarqueeStore

/// `POST /v1/payments/stripe/webhook`: the provider tells of an intent's
/// changes. The signature is checked first (WebhookSignature; 400 when bad,
/// missing or stale), then the event is recorded by id, so a replay is
/// answered without being processed again. The intent's metadata (set at
/// authorisation: showtime, hold, user, attempt) names the attempt, so
/// whichever shard receives the event, the showtime's owner shard handles
/// it, and whichever instance does, the owning instance hears of it. Events of other types, or for intents we do not know,
/// get 200 and a log line: Stripe would retry anything else for days.
enum PaymentWebhookRoutes {
    /// The intent events that move a checkout awaiting 3-D Secure on: its
    /// owner reads the intent back (the event's word is not taken for it).
    static let resuming: Set<String> = [
        "payment_intent.amount_capturable_updated", "payment_intent.payment_failed", "payment_intent.canceled",
    ]
    static let handled = resuming.union(["payment_intent.succeeded", "charge.refunded"])

    static func add(to routes: inout Routes, engine: SeatEngine) {
        routes.add(.POST, "/v1/payments/stripe/webhook") { context in
            guard let secret = engine.config.stripeWebhookSecret else {
                return context.fail(APIError(.serviceUnavailable, code: "webhook_not_configured",
                                             message: "STRIPE_WEBHOOK_SECRET is not set: webhook events cannot be verified."))
            }
            let body = context.request.body
            if let failure = WebhookSignature.verify(header: context.request.head.headers["stripe-signature"], payload: body,
                                                     secret: secret, now: engine.config.clock.wallSeconds()) {
                context.shardAccess.logger.warning("webhook refused", metadata: ["reason": .string("\(failure)")])
                return context.fail(error(failure))
            }
            guard let event = Event(body) else {
                return context.fail(APIError(.badRequest, code: "invalid_event", message: "The body is not a Stripe event."))
            }
            guard let database = context.database else { return context.fail(APIError.databaseUnavailable) }
            database.query("""
                INSERT INTO payment_webhook_events (event_id, type, intent_id) VALUES ($1, $2, $3)
                ON CONFLICT (event_id) DO NOTHING RETURNING 1
                """, [event.id, event.type, event.intent]) { result in
                switch result {
                case .failure(let error):
                    context.fail(APIError(databaseFailure: error))
                case .success(let rows) where rows.rows.isEmpty:
                    context.shardAccess.logger.info("webhook event already processed", metadata: ["event": .string(event.id)])
                    context.respond(.json(.ok, #"{"received":true,"duplicate":true}"#))
                case .success:
                    process(event, engine: engine, context: context, database: database)
                }
            }
        }
    }

    private static func process(_ event: Event, engine: SeatEngine, context: RequestContext, database: PostgresConnection) {
        let logger = context.shardAccess.logger
        let received = #"{"received":true}"#
        guard handled.contains(event.type), let intent = event.intent else {
            logger.info("webhook event ignored: a type not handled", metadata: ["event": .string(event.id), "type": .string(event.type)])
            return context.respond(.json(.ok, received))
        }
        /// A failed statement: the event is forgotten, so the provider's retry is processed.
        func settled(_ result: Result<QueryResult, PostgresError>) {
            switch result {
            case .failure(let error):
                database.query("DELETE FROM payment_webhook_events WHERE event_id = $1", [event.id]) { _ in }
                context.fail(APIError(databaseFailure: error))
            case .success(let rows):
                if rows.rows.isEmpty {
                    logger.info("webhook event for an intent with nothing to settle", metadata: [
                        "event": .string(event.id), "type": .string(event.type), "intent": .string(intent),
                    ])
                }
                context.respond(.json(.ok, received))
            }
        }
        switch event.type {
        case "payment_intent.succeeded":
            // Captured: a booking still recorded as authorised is paid.
            database.query("""
                WITH b AS (
                    UPDATE bookings SET payment_status = 'captured'
                    WHERE payment_intent = $1 AND status = 'confirmed' AND payment_status = 'authorized'
                    RETURNING showtime_id, booking_no
                ), p AS (
                    UPDATE payments p SET status = 'captured', updated_at = now() FROM b
                    WHERE p.showtime_id = b.showtime_id AND p.hold_no = b.booking_no AND p.intent_id = $1
                      AND p.status IN ('authorizing', 'requires_action', 'authorized', 'unknown')
                )
                SELECT 1 FROM b
                """, [intent], settled)
        case "charge.refunded":
            // Refunded (by us, a retry of ours, or the dashboard): nothing left to settle.
            database.query("""
                WITH b AS (
                    UPDATE bookings SET payment_status = 'refunded'
                    WHERE payment_intent = $1 AND payment_status IN ('captured', 'refund_failed')
                    RETURNING showtime_id, booking_no
                ), p AS (
                    UPDATE payments p SET status = 'refunded', updated_at = now() FROM b
                    WHERE p.showtime_id = b.showtime_id AND p.hold_no = b.booking_no AND p.intent_id = $1 AND p.status = 'captured'
                )
                SELECT 1 FROM b
                """, [intent], settled)
        default:
            guard let showtime = event.metadata["showtime"].flatMap({ Int64($0) }),
                  let hold = event.metadata["hold"].flatMap({ UInt32($0) }),
                  let attempt = event.metadata["attempt"].flatMap({ Int($0) }) else {
                logger.info("webhook event for an intent without our metadata", metadata: ["event": .string(event.id), "intent": .string(intent)])
                return context.respond(.json(.ok, received))
            }
            let reply = Reply(context: LoopBound(context, loop: context.loop))
            engine.onOwnerShard(of: showtime, from: context.shardAccess) { owner in
                // A checkout waiting here is moved on; otherwise the other
                // instances are told (OwnerShard+WebhookRelay), and an
                // attempt nobody awaits is settled by the reconciler.
                if !owner.resumeAuthentication(hold: hold, attempt: attempt, intent: intent, showtime: showtime) {
                    owner.access.logger.info("webhook event for no checkout awaiting authentication here: relayed", metadata: [
                        "event": .string(event.id), "type": .string(event.type), "intent": .string(intent),
                    ])
                    owner.relay(.init(showtime: showtime, hold: hold, attempt: attempt, intent: intent))
                }
                reply(.json(.ok, received))
            }
        }
    }

    private static func error(_ failure: WebhookSignature.Failure) -> APIError {
        switch failure {
        case .missing:
            return APIError(.badRequest, code: "webhook_signature_missing", message: "The Stripe-Signature header is missing.")
        case .malformed, .mismatch:
            return APIError(.badRequest, code: "webhook_signature_invalid",
                            message: "No v1 signature of the Stripe-Signature header matches the body.")
        case .stale:
            return APIError(.badRequest, code: "webhook_signature_expired",
                            message: "The event was signed more than \(WebhookSignature.toleranceSeconds) seconds from now.")
        }
    }

    /// The parts of a Stripe event used here.
    struct Event {
        let id: String
        let type: String
        /// The intent the event is about: the object's id for an intent, its
        /// `payment_intent` for a charge.
        let intent: String?
        let metadata: [String: String]

        init?(_ body: [UInt8]) {
            guard let root = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                  let id = root["id"] as? String, let type = root["type"] as? String,
                  let object = (root["data"] as? [String: Any])?["object"] as? [String: Any] else { return nil }
            self.id = id
            self.type = type
            intent = object["object"] as? String == "charge" ? object["payment_intent"] as? String : object["id"] as? String
            metadata = object["metadata"] as? [String: String] ?? [:]
        }
    }
}
