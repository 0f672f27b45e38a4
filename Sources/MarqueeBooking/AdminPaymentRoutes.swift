import MarqueeCatalog
import MarqueeHTTP
import MarqueeServer

/// `GET /v1/admin/payments?status=attention` (admin): the payments nobody
/// should forget, read from PostgreSQL (the truth, whichever shard owns
/// them): bookings whose refund failed (retried with backoff until it
/// succeeds) and attempts whose outcome is unknown (settled by the next
/// reconciliation that reaches the provider). Oldest first, at most 500.
enum AdminPaymentRoutes {
    static let attentionSQL = """
        SELECT coalesce(json_agg(x ORDER BY x.since), '[]')::text FROM (
            SELECT 'refund_failed' AS kind, 'bkg_' || showtime_id || '_' || booking_no AS booking,
                   'hld_' || showtime_id || '_' || booking_no AS hold, payment_intent AS intent,
                   total_cents AS amount, currency, to_char(cancelled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since
            FROM bookings WHERE payment_status = 'refund_failed'
            UNION ALL
            SELECT 'outcome_unknown', NULL, 'hld_' || showtime_id || '_' || hold_no, intent_id, amount_cents, currency,
                   to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM payments WHERE status = 'unknown'
            ORDER BY since LIMIT 500
        ) x
        """

    static func add(to routes: inout Routes, config: BookingConfig) {
        routes.add(.GET, "/v1/admin/payments") { context in
            do throws(APIError) {
                guard let query = QueryParameters(context.request.head.query) else {
                    throw APIError(.badRequest, code: "invalid_query", message: "The query string has a malformed escape.")
                }
                try query.validate(allowed: ["status"])
                guard query["status"] == "attention" else {
                    throw APIError(.badRequest, code: "invalid_parameter", message: "status must be attention (the only list offered).",
                                   detailsJSON: "\"parameter\":\"status\"")
                }
            } catch {
                return context.fail(error)
            }
            AdminAuth.check(context, config: config.catalog) {
                guard let database = context.database else { return context.fail(APIError.databaseUnavailable) }
                database.query(attentionSQL) { result in
                    switch result {
                    case .failure(let error): context.fail(APIError(databaseFailure: error))
                    case .success(let rows): context.respond(.json(.ok, "{\"items\":" + (rows.scalar ?? "[]") + "}"))
                    }
                }
            }
        }
    }
}
