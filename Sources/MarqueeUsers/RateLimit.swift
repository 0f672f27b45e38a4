import MarqueeHTTP
import MarqueeServer

/// Login attempts in fixed one-minute windows, counted in PostgreSQL so
/// every shard and instance shares them. Three counters, each counted only
/// while the one before it allows the attempt:
/// - per client address: bounds what one address may try at all, and the
///   rows an address can create (a flood of random emails from it adds no
///   rows once it is refused);
/// - per (email, address): the tight limit on guessing one account;
/// - per email, from all addresses: a ceiling above what one address can
///   add to it, so only guessing spread over many addresses meets it,
///   and a stranger with one address cannot lock the owner out.
/// Past any limit: 429 with `Retry-After` until the window ends.
enum RateLimit {
    static func check(_ context: RequestContext, email: String, config: UsersConfig, _ allowed: @escaping () -> Void) {
        let address = context.clientAddress
        context.query("""
            WITH address AS (
                INSERT INTO login_attempts (key, window_start, attempts) VALUES ($1, date_trunc('minute', now()), 1)
                ON CONFLICT (key, window_start) DO UPDATE SET attempts = login_attempts.attempts + 1
                RETURNING attempts),
            pair AS (
                INSERT INTO login_attempts (key, window_start, attempts)
                SELECT $2, date_trunc('minute', now()), 1 FROM address WHERE address.attempts <= $4::int
                ON CONFLICT (key, window_start) DO UPDATE SET attempts = login_attempts.attempts + 1
                RETURNING attempts),
            email AS (
                INSERT INTO login_attempts (key, window_start, attempts)
                SELECT $3, date_trunc('minute', now()), 1 FROM pair WHERE pair.attempts <= $5::int
                ON CONFLICT (key, window_start) DO UPDATE SET attempts = login_attempts.attempts + 1
                RETURNING attempts)
            SELECT (SELECT attempts FROM email) <= $6::int, 60 - extract(second FROM now())::int
            """, ["ip:" + address, "pair:" + address + " " + email, "email:" + email,
                  String(config.loginAttemptsPerAddress), String(config.loginAttemptsPerEmailAndAddress),
                  String(config.loginAttemptsPerEmail)]) { result in
            guard result.rows.first?[0] == "t" else {
                context.fail(tooMany("too_many_login_attempts", "Too many login attempts", retry: result.int(0, 1).map { Int($0) }))
                return
            }
            allowed()
        }
    }

    /// Sign-ups a minute per client address (each one costs a hash and a
    /// row), counted in the same table; the same round trip finds an email
    /// already taken, answered 409 before any hashing.
    static func checkSignUp(_ context: RequestContext, email: String, config: UsersConfig, _ allowed: @escaping () -> Void) {
        context.query("""
            WITH counted AS (
                INSERT INTO login_attempts (key, window_start, attempts) VALUES ($1, date_trunc('minute', now()), 1)
                ON CONFLICT (key, window_start) DO UPDATE SET attempts = login_attempts.attempts + 1
                RETURNING attempts)
            SELECT (SELECT attempts FROM counted) <= $2::int, 60 - extract(second FROM now())::int,
                   EXISTS (SELECT 1 FROM users WHERE lower(email) = $3)
            """, ["signup:" + context.clientAddress, String(config.signUpsPerAddress), email]) { result in
            guard result.rows.first?[0] == "t" else {
                context.fail(tooMany("too_many_sign_ups", "Too many sign-ups from this address", retry: result.int(0, 1).map { Int($0) }))
                return
            }
            guard result.rows.first?[2] != "t" else {
                context.fail(UserRoutes.emailTaken)
                return
            }
            allowed()
        }
    }

    /// 429 with `Retry-After` (the seconds left in the window, at least 1).
    static func tooMany(_ code: String, _ what: String, retry: Int?) -> APIError {
        let seconds = max(1, retry ?? 60)
        return APIError(.tooManyRequests, code: code, message: "\(what); retry in \(seconds) s.",
                        headers: [HTTPResponse.Field(name: "Retry-After", value: String(seconds))])
    }
}

extension TableCleanup.Rule {
    /// Windows before the current and the previous minute count nothing.
    public static let loginAttempts = TableCleanup.Rule(table: "login_attempts", expired: "window_start < now() - interval '2 minutes'")
    /// A revocation is needed only until the token would have expired anyway.
    public static let revokedTokens = TableCleanup.Rule(table: "revoked_tokens", expired: "expires_at < now()")
}
