import Foundation
import MarqueePayments

/// Stripe's answers as the provider reads them: a PaymentIntent, a refund,
/// or an error object. Foundation's parser, as elsewhere in the project for
/// JSON that is not on the seat path: a provider call costs a network round
/// trip, not a parse.
enum StripeJSON {
    struct APIError: Equatable {
        var type: String?
        var code: String?
        var declineCode: String?
        var param: String?
        var message: String
    }

    static func object(_ body: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    static func error(_ body: [UInt8]) -> APIError? {
        guard let error = object(body)?["error"] as? [String: Any] else { return nil }
        return APIError(type: error["type"] as? String, code: error["code"] as? String,
                        declineCode: error["decline_code"] as? String, param: error["param"] as? String,
                        message: error["message"] as? String ?? "")
    }

    /// A PaymentIntent object. Stripe has no `refunded` status: an intent
    /// whose charge (expanded as `latest_charge`) is refunded reads as
    /// `.refunded`, the protocol's name for that end state.
    static func intent(_ object: [String: Any]) -> PaymentIntent? {
        guard object["object"] as? String == "payment_intent", let id = object["id"] as? String,
              let statusText = object["status"] as? String, var status = PaymentIntent.Status(rawValue: statusText),
              let amount = object["amount"] as? Int, let currency = object["currency"] as? String else { return nil }
        if status == .succeeded, let charge = object["latest_charge"] as? [String: Any], charge["refunded"] as? Bool == true {
            status = .refunded
        }
        var intent = PaymentIntent(id: id, status: status, amountCents: amount, currency: currency)
        if status == .requiresAction {
            intent.clientSecret = object["client_secret"] as? String
            if let next = object["next_action"] as? [String: Any], let type = next["type"] as? String {
                let redirect = (next["redirect_to_url"] as? [String: Any])?["url"] as? String
                intent.nextAction = PaymentIntent.NextAction(type: type, redirectURL: redirect)
            }
        }
        return intent
    }

    /// A Refund object, as the refunded intent it speaks of.
    static func refundedIntent(_ object: [String: Any], intentID: String) -> PaymentIntent? {
        guard object["object"] as? String == "refund", let amount = object["amount"] as? Int,
              let currency = object["currency"] as? String else { return nil }
        let status = object["status"] as? String
        guard status == "succeeded" || status == "pending" else { return nil }
        return PaymentIntent(id: (object["payment_intent"] as? String) ?? intentID, status: .refunded,
                             amountCents: amount, currency: currency)
    }
}
