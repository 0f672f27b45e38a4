import MarqueeHTTP
import MarqueeLoop
import MarqueeServer

/// Turns `Authorization: Bearer <token>` into the caller's claims: signature,
/// algorithm, expiry, then revocation (a lookup, so a logout is honoured by
/// every shard and instance at once). Every failure is 401 with a code.
public enum Authenticator {
    public static func authenticate(_ context: RequestContext, signer: TokenSigner,
                                    _ then: @escaping (TokenSigner.Claims) -> Void) {
        settle(check(context, signer: signer), context, then)
    }

    /// What `check` found.
    public enum Check {
        /// Signed, unexpired, not revoked: checked here and now.
        case valid(TokenSigner.Claims)
        /// Answered 401.
        case refused
        /// Signed and unexpired, but this shard's revocation list is not
        /// loaded yet (just after start): `authenticate` asks PostgreSQL.
        case unsettled(TokenSigner.Claims)
    }

    /// `authenticate` without a continuation, for the hottest routes: once
    /// running, a token is settled on the spot, and a closure made for a
    /// continuation (an allocation and its reference counting) was a
    /// measurable share of a hold's cost.
    public static func check(_ context: RequestContext, signer: TokenSigner) -> Check {
        let checked = context.request.head.headers.withValue(of: "authorization") { value -> Check? in
            guard let value, VerifiedTokens.isBearer(value) else { return nil }
            return check(verified: { verified, now throws(TokenSigner.Failure) in try verified.verify(value, bearer: true, signer: signer, now: now) },
                         context)
        }
        guard let checked else {
            context.fail(unauthorized("missing_token", "This route needs `Authorization: Bearer <access token>`."))
            return .refused
        }
        return checked
    }

    /// Checks a token from wherever the route takes it (a WebSocket's query).
    public static func verifyToken(_ token: String, _ context: RequestContext, signer: TokenSigner,
                                   _ then: @escaping (TokenSigner.Claims) -> Void) {
        settle(check(verified: { verified, now throws(TokenSigner.Failure) in try verified.verify(token, signer: signer, now: now) }, context),
               context, then)
    }

    /// Calls `then` with valid claims, after asking PostgreSQL about revocation if the shard cannot tell yet.
    private static func settle(_ check: Check, _ context: RequestContext, _ then: @escaping (TokenSigner.Claims) -> Void) {
        switch check {
        case .valid(let claims): then(claims)
        case .refused: return
        case .unsettled(let claims): lookUpRevocation(claims, context, then)
        }
    }

    /// Signature and expiry (through the shard's cache of verified tokens),
    /// then revocation.
    private static func check(verified: (VerifiedTokens, Int64) throws(TokenSigner.Failure) -> TokenSigner.Claims,
                              _ context: RequestContext) -> Check {
        let claims: TokenSigner.Claims
        do {
            let access = context.shardAccess
            claims = try verified(VerifiedTokens.on(access), access.clock.wallSeconds())
        } catch {
            switch error {
            case .expired: context.fail(unauthorized("token_expired", "The access token has expired; log in again."))
            default: context.fail(unauthorized("invalid_token", "The access token is not valid."))
            }
            return .refused
        }
        let revocations = RevocationList.on(context.shardAccess)
        guard revocations.isLoaded else { return .unsettled(claims) }
        guard !revocations.isRevoked(claims.tokenID, now: context.shardAccess.clock.wallSeconds()) else {
            context.fail(revoked)
            return .refused
        }
        return .valid(claims)
    }

    private static func lookUpRevocation(_ claims: TokenSigner.Claims, _ context: RequestContext,
                                         _ then: @escaping (TokenSigner.Claims) -> Void) {
        context.query("SELECT 1 FROM revoked_tokens WHERE jti = $1", [claims.tokenID]) { result in
            if result.rows.isEmpty {
                then(claims)
            } else {
                context.fail(revoked)
            }
        }
    }

    private static var revoked: APIError { unauthorized("token_revoked", "The access token was revoked (logged out).") }

    /// Authenticates and requires a role: another role is 403.
    public static func require(role: String, _ context: RequestContext, signer: TokenSigner,
                               _ then: @escaping (TokenSigner.Claims) -> Void) {
        authenticate(context, signer: signer) { claims in
            guard claims.role == role else {
                context.fail(APIError(.forbidden, code: "forbidden", message: "This route needs the \(role) role."))
                return
            }
            then(claims)
        }
    }

    /// 401 with `WWW-Authenticate: Bearer`, the answer to a missing or bad token.
    public static func unauthorized(_ code: String, _ message: String) -> APIError {
        APIError(.unauthorized, code: code, message: message,
                 headers: [HTTPResponse.Field(name: "WWW-Authenticate", value: "Bearer")])
    }
}
