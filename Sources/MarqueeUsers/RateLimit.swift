import MarqueeHTTP
import MarqueeServer

/// Login attempts per email and per client address in fixed one-minute
/// windows, counted in PostgreSQL so every shard and instance shares them.
/// Past either limit: 429 with `Retry-After` until the window ends.
enum RateLimit {
    static func check(_ context: RequestContext, email: String, config: UsersConfig, _ allowed: @escaping () -> Void) {
        context.query("""
            WITH counted AS (
                INSERT INTO login_attempts (key, window_start, attempts)
                SELECT k, date_trunc('minute', now()), 1 FROM unnest(ARRAY[$1, $2]) AS k
                ON CONFLICT (key, window_start) DO UPDATE SET attempts = login_attempts.attempts + 1
                RETURNING key, attempts)
            SELECT (SELECT attempts FROM counted WHERE key = $1), (SELECT attempts FROM counted WHERE key = $2),
                   60 - extract(second FROM now())::int
            """, ["email:" + email, "ip:" + context.clientAddress]) { result in
            let byEmail = result.int(0, 0) ?? 0
            let byAddress = result.int(0, 1) ?? 0
            guard byEmail <= config.loginAttemptsPerEmail && byAddress <= config.loginAttemptsPerAddress else {
                let retry = max(1, result.int(0, 2) ?? 60)
                context.fail(APIError(.tooManyRequests, code: "too_many_login_attempts",
                                      message: "Too many login attempts; retry in \(retry) s.",
                                      headers: [HTTPResponse.Field(name: "Retry-After", value: String(retry))]))
                return
            }
            allowed()
        }
    }
}
