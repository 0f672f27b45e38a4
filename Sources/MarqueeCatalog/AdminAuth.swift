import MarqueeHTTP
import MarqueeServer

/// Admin routes need `Authorization: Bearer <ADMIN_TOKEN>` until user roles
/// arrive. The comparison takes the same time wherever the tokens differ.
enum AdminAuth {
    static func check(_ context: RequestContext, config: CatalogConfig) -> Bool {
        guard let expected = config.adminToken else {
            context.fail(APIError(.forbidden, code: "admin_disabled", message: "Admin routes are disabled: no ADMIN_TOKEN is configured."))
            return false
        }
        guard let header = context.request.head.headers["authorization"], header.hasPrefix("Bearer "),
              constantTimeEquals(String(header.dropFirst(7)), expected) else {
            context.fail(APIError(.unauthorized, code: "unauthorized", message: "An admin bearer token is required.",
                                  headers: [HTTPResponse.Field(name: "WWW-Authenticate", value: "Bearer")]))
            return false
        }
        return true
    }

    static func constantTimeEquals(_ given: String, _ expected: String) -> Bool {
        let a = Array(given.utf8)
        let b = Array(expected.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<b.count {
            difference |= (index < a.count ? a[index] : 0) ^ b[index]
        }
        return difference == 0
    }
}
