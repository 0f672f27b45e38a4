import MarqueeCrypto
import MarqueeHTTP
import MarqueeLoop
import MarqueeServer

/// `POST /v1/users` (sign-up), `POST /v1/sessions` (login),
/// `DELETE /v1/sessions` (logout), `GET /v1/me`.
public enum UserRoutes {
    /// What runs on every shard without a request: each shard's copy of
    /// the revoked-token list, loaded at start. Call once the server is started.
    public static func start(on server: Server) { RevocationList.start(on: server) }

    public static func add(to routes: inout Routes, config: UsersConfig) {
        // A hash of nothing with the configured parameters, checked when the
        // email is unknown, so both failures cost the same scrypt work and
        // answer the same way. Made here, at start-up, not on a shard's loop.
        let decoy = config.hasher.hash(Base64URL.encode(Crypto.randomBytes(16)))
        routes.add(.POST, "/v1/users") { signUp($0, config: config) }
        routes.add(.POST, "/v1/sessions") { logIn($0, config: config, decoy: decoy) }
        routes.add(.DELETE, "/v1/sessions") { logOut($0, config: config) }
        routes.add(.GET, "/v1/me") { me($0, config: config) }
    }

    static let userJSON = """
        SELECT json_build_object('id', id, 'email', email, 'name', name, 'role', role, 'created_at', created_at)::text
        FROM users WHERE id = $1
        """

    static func signUp(_ context: RequestContext, config: UsersConfig) {
        do throws(APIError) {
            let body = try JSONBody(context.request, allowed: ["email", "password", "name"])
            let email = try Validation.email(body)
            let password = try Validation.password(body)
            let name = try body.string("name", required: true, maxLength: 200)!
            let hasher = config.hasher
            RateLimit.checkSignUp(context, email: email, config: config) {
                let queued = config.hashing.run(.signUp, limit: config.maxQueuedSignUps, on: context.loop, { hasher.hash(password) }) { hash in
                    context.query("INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id",
                                  [email, name, hash], onError: { error in
                        if error.sqlState == "23505" {
                            context.fail(emailTaken)
                        } else {
                            context.fail(APIError.internalError)
                        }
                    }) { result in
                        context.query(userJSON, [result.scalar]) { user in
                            context.respond(.json(.created, user.scalar ?? "{}"))
                        }
                    }
                }
                if !queued { context.fail(HashingQueues.busy) }
            }
        } catch {
            context.fail(error)
        }
    }

    static let emailTaken = APIError(.conflict, code: "email_taken", message: "An account with that email exists.")

    static func logIn(_ context: RequestContext, config: UsersConfig, decoy: String) {
        do throws(APIError) {
            let body = try JSONBody(context.request, allowed: ["email", "password"])
            guard let rawEmail = try body.string("email", required: true, maxLength: 254),
                  let password = try body.string("password", required: true, maxLength: 128, allowEmpty: true) else { return }
            let email = rawEmail.lowercased()
            RateLimit.check(context, email: email, config: config) {
                context.query("SELECT id, password_hash, role FROM users WHERE lower(email) = $1", [email]) { result in
                    let row = result.rows.first
                    let stored = row?[1] ?? decoy
                    let queued = config.hashing.run(.login, limit: config.maxQueuedLogins, on: context.loop,
                                                    { PasswordHasher.verify(password, against: stored) }) { matches in
                        guard matches, let row, let id = row[0].flatMap({ Int64($0) }), let role = row[2] else {
                            context.fail(APIError(.unauthorized, code: "invalid_credentials",
                                                  message: "Email or password is wrong."))
                            return
                        }
                        let issued = config.signer.issue(userID: id, role: role, now: context.shardAccess.clock.wallSeconds())
                        context.respond(.json(.ok, #"{"access_token":"\#(issued.token)","token_type":"Bearer","expires_in":\#(config.signer.lifetimeSeconds)}"#,
                                              headers: [HTTPResponse.Field(name: "Cache-Control", value: "no-store")]))
                    }
                    if !queued { context.fail(HashingQueues.busy) }
                }
            }
        } catch {
            context.fail(error)
        }
    }

    static func logOut(_ context: RequestContext, config: UsersConfig) {
        Authenticator.authenticate(context, signer: config.signer) { claims in
            // Row and notification commit together; every shard's
            // RevocationList hears it.
            context.query("""
                WITH revoked AS (
                    INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, to_timestamp($2)) ON CONFLICT DO NOTHING
                )
                SELECT pg_notify('\(RevocationList.channel)', $1 || ' ' || $2)
                """, [claims.tokenID, String(claims.expiresAt)]) { _ in
                // This instance's shards learn of it before the answer, so the
                // next request with the token is refused whichever shard takes
                // it (the notification alone could arrive after that request);
                // other instances hear the notification.
                let reply = LoopBound(context, loop: context.loop)
                RevocationList.revokeEverywhere(claims.tokenID, expiresAt: claims.expiresAt, server: context.server, from: 0) {
                    reply.execute { $0.respond(HTTPResponse(status: .noContent)) }
                }
            }
        }
    }

    static func me(_ context: RequestContext, config: UsersConfig) {
        Authenticator.authenticate(context, signer: config.signer) { claims in
            context.query(userJSON, [String(claims.userID)]) { result in
                guard let user = result.scalar else {
                    context.fail(Authenticator.unauthorized("invalid_token", "The account no longer exists."))
                    return
                }
                context.respond(.json(.ok, user))
            }
        }
    }
}
