import Glibc
import MarqueeCrypto
import MarqueeHTTP
import MarqueeLoop
import MarqueeServer
import MarqueeStore

/// `Idempotency-Key` on POST, per user: the first request with a key runs
/// and its answer is stored; the same key with the same method, path and
/// body replays that answer (24 hours, with `Idempotent-Replayed: true`);
/// with another request it is 422 `idempotency_key_reused`; while the
/// first is still running, 409 `idempotency_in_progress`. Server errors
/// (5xx) are not stored, so a retry runs again.
///
/// A key in progress names its owner: this process and request (`owner`),
/// the database session that claimed it (pid and start time, which a
/// crashed process or a lost connection takes with it), and a lease. A
/// retry takes the key over, and runs the operation again, when the owner's
/// session is gone or the lease has run out; the operation's own state
/// then decides (a hold already paid is not paid twice). Storing the
/// answer is retried, and reported if it never succeeds; an owner that
/// lost its key to a takeover stores nothing.
enum Idempotency {
    static let lifetime = "24 hours"
    /// Longer than any operation behind a key runs, payment included.
    static let lease = "2 minutes"
    /// This process, in `owner`: the pid and a random part, since pids repeat across hosts and restarts.
    static let instance = "\(getpid())-" + Crypto.randomBytes(6).map { String($0, radix: 16) }.joined()

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
        let owner = instance + "/" + context.requestID
        // A key older than the lifetime is forgotten and may be used afresh;
        // one in progress whose owner's session is gone, or whose lease ran
        // out, is taken over (same request only).
        context.query("""
            WITH me AS (SELECT pg_backend_pid() AS pid, (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS started),
            gone AS (DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND created_at < now() - interval '\(lifetime)'),
            claimed AS (
                INSERT INTO idempotency_keys (user_id, key, request_hash, owner, owner_pid, owner_backend_start, lease_until)
                SELECT $1, $2, $3, $4, me.pid, me.started, now() + interval '\(lease)' FROM me
                ON CONFLICT (user_id, key) DO NOTHING RETURNING 1),
            taken AS (
                UPDATE idempotency_keys k SET owner = $4, owner_pid = me.pid, owner_backend_start = me.started,
                                              lease_until = now() + interval '\(lease)'
                FROM me
                WHERE k.user_id = $1 AND k.key = $2 AND k.request_hash = $3 AND k.status IS NULL
                  AND NOT EXISTS (SELECT 1 FROM claimed)
                  AND (k.lease_until < now() OR NOT EXISTS (
                      -- A session of another role shows no start time: alive, as far as we can tell.
                      SELECT 1 FROM pg_stat_activity a
                      WHERE a.pid = k.owner_pid AND (a.backend_start = k.owner_backend_start OR a.backend_start IS NULL)))
                RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM claimed) OR EXISTS (SELECT 1 FROM taken)
            """, [String(user), key, hash, owner]) { claimed in
            if claimed.scalar == "t" {
                record(context, user: user, key: key, owner: owner)
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

    /// Stores the answer (or lets the key go after a 5xx) before it is sent.
    private static func record(_ context: RequestContext, user: Int64, key: String, owner: String) {
        context.interceptResponse = { [unowned context] response, send in
            guard let database = context.database else { return send(response) }
            let write: (sql: String, params: [String?])
            if response.status.code >= 500 {
                write = ("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND owner = $3", [String(user), key, owner])
            } else {
                write = ("""
                    UPDATE idempotency_keys SET status = $4, content_type = $5, body = $6
                    WHERE user_id = $1 AND key = $2 AND owner = $3
                    """, [String(user), key, owner, String(response.status.code), response.contentType,
                          String(decoding: response.body, as: UTF8.self)])
            }
            let logger = context.logger
            AnswerWrite(database: database, sql: write.sql, params: write.params) { error in
                if let error {
                    // The answer goes out; a retry finds the key in progress
                    // until its owner's session or lease ends, then runs again.
                    logger.error("idempotency answer not stored", metadata: ["key": .string(key), "error": .string(error.description)])
                }
                send(response)
            }.start()
        }
    }
}

/// One statement retried a few times (at once, then after 100 ms and 400 ms,
/// time for the connection to come back), for answers that must be stored.
final class AnswerWrite {
    private let database: PostgresConnection
    private let sql: String
    private let params: [String?]
    private let done: (PostgresError?) -> Void
    private var attempt = 0
    static let delays: [UInt64] = [0, 100, 400]

    init(database: PostgresConnection, sql: String, params: [String?], done: @escaping (PostgresError?) -> Void) {
        self.database = database
        self.sql = sql
        self.params = params
        self.done = done
    }

    func start() {
        database.query(sql, params) { [self] result in
            switch result {
            case .success:
                done(nil)
            case .failure(let error):
                attempt += 1
                guard attempt < Self.delays.count else { return done(error) }
                let timer = LoopTimer(loop: database.loop)
                timer.start(after: Self.delays[attempt]) { [self] in
                    timer.close()
                    start()
                }
            }
        }
    }
}

extension TableCleanup.Rule {
    /// Idempotency keys past their lifetime.
    public static var idempotencyKeys: TableCleanup.Rule { Idempotency.expired }
}
