import MarqueeCrypto
import MarqueeHTTP
import MarqueeServer
import MarqueeUsers

/// Admin routes need an admin's access token (role `admin`), or the
/// bootstrap `ADMIN_TOKEN` when one is configured. A customer's token is 403.
public enum AdminAuth {
    public static func check(_ context: RequestContext, config: CatalogConfig, _ then: @escaping () -> Void) {
        if let expected = config.adminToken, let header = context.request.head.headers["authorization"],
           header.hasPrefix("Bearer "),
           Crypto.constantTimeEquals(Array(header.utf8.dropFirst(7)), Array(expected.utf8)) {
            then()
            return
        }
        guard let signer = config.tokenSigner else {
            context.fail(config.adminToken == nil
                ? APIError(.forbidden, code: "admin_disabled", message: "Admin routes are disabled: no admin token is configured.")
                : Authenticator.unauthorized("unauthorized", "An admin bearer token is required."))
            return
        }
        Authenticator.require(role: "admin", context, signer: signer) { _ in then() }
    }
}
