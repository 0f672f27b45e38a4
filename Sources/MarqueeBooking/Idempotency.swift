import MarqueeCrypto
import MarqueeHTTP
import MarqueeServer

/// `Idempotency-Key` on POST, per user: the first request with a key runs
/// and its answer is stored; the same key with the same method, path and
/// body replays that answer (24 hours, with `Idempotent-Replayed: true`);
/// with another request it is 422 `idempotency_key_reused`; while the
/// first is still running, 409 `idempotency_in_progress`. Server errors
/// (5xx) are not stored, so a retry runs again.
enum Idempotency {
    static let lifetime = "24 hours"

    /// Keys past their lifetime, for TableCleanup (a run may reuse one anyway).
    static let expired = TableCleanup.Rule(table: "idempotency_keys", expired: "created_at < now() - interval '\(lifetime)'")

    /// Whether the request sends a key; without one, `run` only proceeds
    /// (hot routes test this first and so make no closure for it).
    static func isRequested(_ context: RequestContext) -> Bool {
        context.request.head.headers["idempotency-key"] != nil
    }

    static func run(_ context: RequestContext, user: Int64, _ proceed: @escaping () -> Void) {
        guard let key = context.request.head.headers["idempotency-key"] else {
            proceed()
            return
        }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            context.fail(APIError(.badRequest, code: "invalid_idempotency_key",
                                  message: "Idempotency-Key must be 1 to 255 visible ASCII characters."))
            return
        }
        let head = context.request.head
        let hash = Crypto.sha256(Array("\(head.method.rawValue) \(head.path)\n".utf8) + context.request.body)
            .map { String($0 >> 4, radix: 16) + String($0 & 15, radix: 16) }.joined()
        // A key older than the lifetime is forgotten and may be used afresh.
        context.query("""
            WITH gone AS (DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND created_at < now() - interval '\(lifetime)')
            INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3)
            ON CONFLICT (user_id, key) DO NOTHING RETURNING 1
            """, [String(user), key, hash]) { inserted in
            if !inserted.rows.isEmpty {
                record(context, user: user, key: key)
                proceed()
                return
            }
            context.query("SELECT request_hash, status, content_type, body FROM idempotency_keys WHERE user_id = $1 AND key = $2",
                          [String(user), key]) { found in
                guard let row = found.rows.first else {
                    // Deleted between the two statements (expired, or a 5xx answer): run afresh.
                    run(context, user: user, proceed)
                    return
                }
                guard row[0] == hash else {
                    context.fail(APIError(.unprocessableContent, code: "idempotency_key_reused",
                                          message: "This Idempotency-Key was used with a different request."))
                    return
                }
                guard let statusText = row[1], let code = Int(statusText) else {
                    context.fail(APIError(.conflict, code: "idempotency_in_progress",
                                          message: "A request with this Idempotency-Key is still being processed; retry shortly.",
                                          headers: [HTTPResponse.Field(name: "Retry-After", value: "1")]))
                    return
                }
                var response = HTTPResponse(status: HTTPStatus(code: code), contentType: row[2],
                                            body: Array((row[3] ?? "").utf8))
                response.headers.append(HTTPResponse.Field(name: "Idempotent-Replayed", value: "true"))
                context.respond(response)
            }
        }
    }

    private static func record(_ context: RequestContext, user: Int64, key: String) {
        context.interceptResponse = { [unowned context] response, send in
            guard let database = context.database else { return send(response) }
            if response.status.code >= 500 {
                database.query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2", [String(user), key]) { _ in send(response) }
            } else {
                database.query("UPDATE idempotency_keys SET status = $3, content_type = $4, body = $5 WHERE user_id = $1 AND key = $2",
                               [String(user), key, String(response.status.code), response.contentType,
                                String(decoding: response.body, as: UTF8.self)]) { _ in send(response) }
            }
        }
    }
}

extension TableCleanup.Rule {
    /// Idempotency keys past their lifetime.
    public static var idempotencyKeys: TableCleanup.Rule { Idempotency.expired }
}
