import MarqueeHTTP
import MarqueeSeating
import MarqueeServer

/// The answers of checkout: each outcome's status, code, message and body.
extension CheckoutOutcome {
    func response(showtime: Int64, hold number: UInt32) -> HTTPResponse {
        switch self {
        case .confirmed(let booking, let createdUnix):
            return .json(.created, BookingJSON.confirmed(showtime: showtime, number: booking.number, labels: booking.labels,
                                                         totalCents: booking.totalCents, currency: booking.currency,
                                                         intent: booking.intent, createdUnix: createdUnix))
        case .attemptNotRecorded(let unavailable):
            return .error(unavailable ? .databaseUnavailable : .internalError)
        case .requiresAction(let challenge):
            // The buyer's browser passes 3-D Secure with the client secret,
            // then POSTs .../checkout/confirm; the hold waits meanwhile.
            var action = "{\"type\":\(JSONText.quoted(challenge.nextAction))"
            if let url = challenge.redirectURL { action += ",\"redirect_to_url\":{\"url\":\(JSONText.quoted(url))}" }
            action += "}"
            return .json(.accepted, "{\"status\":\"requires_action\",\"hold\":\"\(PublicID.hold(showtime, number))\","
                + "\"client_secret\":\(JSONText.quoted(challenge.clientSecret)),\"next_action\":\(action)}")
        case .declined(let code, let declineCode, let message):
            var details = "\"decline_code\":\(JSONText.quoted(declineCode ?? code)),\"hold\":\"\(PublicID.hold(showtime, number))\""
            if declineCode != nil { details += ",\"card_error\":\(JSONText.quoted(code))" }
            return .error(APIError(.paymentRequired, code: "payment_declined", message: message + " The hold is kept; try another card.",
                                   detailsJSON: details))
        case .invalidPaymentMethod(let message):
            return .error(APIError(.unprocessableContent, code: "invalid_payment_method", message: message))
        case .providerUnavailable:
            return .error(APIError(.badGateway, code: "payment_provider_error",
                                   message: "The payment provider did not answer; the hold is kept, retry shortly."))
        case .holdExpired:
            return .error(APIError(.conflict, code: "hold_expired", message: "The hold expired before payment completed."))
        case .bookingOutcomeUnknown:
            return .error(APIError(.serviceUnavailable, code: "booking_outcome_unknown",
                                   message: "The database went away while confirming; check GET /v1/me/bookings shortly.",
                                   headers: [HTTPResponse.Field(name: "Retry-After", value: "2")]))
        case .bookingNotSent:
            return .error(APIError(.serviceUnavailable, code: "booking_not_sent",
                                   message: "The database was too busy to take the booking; nothing was booked or charged and the hold is kept: retry shortly.",
                                   headers: [HTTPResponse.Field(name: "Retry-After", value: "1")]))
        case .bookingRefused:
            return .error(.internalError)
        case .paymentFailed:
            return .error(APIError(.paymentRequired, code: "payment_failed", message: "The payment could not be completed; nothing was booked."))
        }
    }
}
