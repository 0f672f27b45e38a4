import MarqueeHTTP
import MarqueeServer

/// A checkout body: `{"payment_method": "pm_card_visa"}`.
enum CheckoutRequest {
    static func paymentMethod(_ request: HTTPRequest) throws(APIError) -> String {
        // The common shape, read without Foundation (its JSON parser and
        // string trimming were a twentieth of checkout's server CPU); anything
        // else, and every error, goes through the general JSON path.
        if request.head.headers["content-type"].map({ $0.lowercased().hasPrefix("application/json") }) ?? true,
           let method = fastPaymentMethod(request.body) {
            return method
        }
        let body = try JSONBody(request, allowed: ["payment_method"])
        return try body.string("payment_method", required: true, maxLength: 100)!
    }

    /// `{"payment_method":"pm_card_visa"}` with optional spaces, the id of
    /// letters, digits and `_` (Stripe's PaymentMethod ids and test card
    /// numbers); nil for any other text.
    static func fastPaymentMethod(_ body: [UInt8]) -> String? {
        var scan = FastJSONScan(body)
        guard scan.expect("{"), scan.expectKey("payment_method"),
              let method = scan.quoted(allowed: { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 },
                                       length: 1...100),
              scan.expect("}"), scan.atEnd else { return nil }
        return method
    }
}
