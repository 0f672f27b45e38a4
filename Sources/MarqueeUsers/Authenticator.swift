import Glibc
import MarqueeHTTP
import MarqueeServer

/// Turns `Authorization: Bearer <token>` into the caller's claims: signature,
/// algorithm, expiry, then revocation (a lookup, so a logout is honoured by
/// every shard and instance at once). Every failure is 401 with a code.
public enum Authenticator {
    public static func authenticate(_ context: RequestContext, signer: TokenSigner,
                                    _ then: @escaping (TokenSigner.Claims) -> Void) {
        guard let header = context.request.head.headers["authorization"], header.hasPrefix("Bearer "), header.utf8.count > 7 else {
            context.fail(unauthorized("missing_token", "This route needs `Authorization: Bearer <access token>`."))
            return
        }
        verifyToken(String(header.dropFirst(7)), context, signer: signer, then)
    }

    /// Checks a token from wherever the route takes it (a WebSocket's query).
    public static func verifyToken(_ token: String, _ context: RequestContext, signer: TokenSigner,
                                   _ then: @escaping (TokenSigner.Claims) -> Void) {
        let claims: TokenSigner.Claims
        do {
            claims = try VerifiedTokens.on(context.shardAccess).verify(token, signer: signer, now: Int64(time(nil)))
        } catch {
            switch error {
            case .expired: context.fail(unauthorized("token_expired", "The access token has expired; log in again."))
            default: context.fail(unauthorized("invalid_token", "The access token is not valid."))
            }
            return
        }
        let revocations = RevocationList.on(context.shardAccess)
        if revocations.isLoaded {
            if revocations.isRevoked(claims.tokenID) {
                context.fail(unauthorized("token_revoked", "The access token was revoked (logged out)."))
            } else {
                then(claims)
            }
            return
        }
        context.query("SELECT 1 FROM revoked_tokens WHERE jti = $1", [claims.tokenID]) { result in
            if result.rows.isEmpty {
                then(claims)
            } else {
                context.fail(unauthorized("token_revoked", "The access token was revoked (logged out)."))
            }
        }
    }

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
