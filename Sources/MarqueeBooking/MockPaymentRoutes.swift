import MarqueeHTTP
import MarqueePayments
import MarqueeServer

/// Test endpoints of the mock payment provider, served only while the mock
/// is the provider (they move no real money): what the buyer's bank page
/// does in Stripe's 3-D Secure flow, and a read of an intent's state, so
/// the page and the tests can run the whole flow without Stripe.
/// - `POST /v1/mock/payment-intents/{id}/authentication` with
///   `{"result": "succeeded" | "failed"}` ends 3-D Secure of an intent
///   that awaits it; 404 `intent_not_awaiting_authentication` otherwise.
/// - `GET /v1/mock/payment-intents/{id}`: `{"id", "status"}` (Stripe's words).
enum MockPaymentRoutes {
    static func add(to routes: inout Routes, ledger: MockPaymentLedger) {
        routes.add(.POST, "/v1/mock/payment-intents/{id}/authentication") { context in
            let succeeded: Bool
            do throws(APIError) {
                let body = try JSONBody(context.request, allowed: ["result"])
                switch try body.string("result", required: true) {
                case "succeeded": succeeded = true
                case "failed": succeeded = false
                default: throw JSONBody.invalid("result", "Give \"succeeded\" or \"failed\".")
                }
            } catch {
                return context.fail(error)
            }
            let id = context.parameters["id"] ?? ""
            guard let intent = ledger.finishAuthentication(id, succeeded: succeeded) else {
                return context.fail(APIError(.notFound, code: "intent_not_awaiting_authentication",
                                             message: "No intent of the mock provider awaits 3-D Secure under this id."))
            }
            context.respond(.json(.ok, json(intent)))
        }
        routes.add(.GET, "/v1/mock/payment-intents/{id}") { context in
            guard let intent = ledger.intent(context.parameters["id"] ?? "") else {
                return context.fail(.notFound("No intent of the mock provider has this id."))
            }
            context.respond(.json(.ok, json(intent)))
        }
    }

    private static func json(_ intent: PaymentIntent) -> String {
        "{\"id\":\(JSONText.quoted(intent.id)),\"status\":\"\(intent.status.rawValue)\"}"
    }
}
