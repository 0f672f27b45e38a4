import MarqueeHTTP
import MarqueeSeating

/// The HTTP errors of refused hold operations: each refusal's code,
/// status, message and details.
extension HoldRefusal {
    /// `changing`: the refusal is of a change to an existing hold (a
    /// conflict then leaves that hold unchanged rather than holding nothing).
    func apiError(in seats: ShowtimeSeats, changing: Bool = false) -> APIError {
        switch self {
        case .showtimeCancelled:
            return APIError(.conflict, code: "showtime_cancelled", message: "This showtime was cancelled.")
        case .showtimeStarted:
            return APIError(.conflict, code: "showtime_started", message: "This showtime has started; seats are no longer sold.")
        case .limitReached(let holds):
            return APIError(.tooManyRequests, code: "hold_limit_reached", message: "You already have \(holds) hold(s) on this showtime, checking out.")
        case .tooManyHolds(let limit):
            return APIError(.tooManyRequests, code: "too_many_holds", message: "You have \(limit) live holds; release or buy one first.")
        case .unknownSeats(let labels):
            return APIError(.unprocessableContent, code: "unknown_seats", message: "No such seat in this auditorium.",
                            detailsJSON: "\"seats\":\(BookingJSON.labels(labels))")
        case .seatsBlocked(let blocked):
            return APIError(.conflict, code: "seats_blocked", message: "These seats are not for sale.", detailsJSON: Self.details(blocked, in: seats))
        case .conflict(let taken):
            let message = changing ? "Some of these seats are taken; the hold is unchanged." : "Some of these seats are taken; nothing was held."
            return APIError(.conflict, code: "seats_unavailable", message: message, detailsJSON: Self.details(taken, in: seats))
        case .unknownCategory(let category):
            return APIError(.unprocessableContent, code: "unknown_category", message: "This auditorium has no '\(category)' seats.")
        case .noSeatsAvailable(let count, let category):
            return APIError(.conflict, code: "no_seats_available",
                            message: "No \(count) adjacent \(category.map { "\($0) " } ?? "")seats are free in one row.")
        case .holdNotFound:
            return APIError.holdNotFound
        case .checkoutInProgress:
            return APIError(.conflict, code: "checkout_in_progress", message: "This hold is being checked out.")
        case .addedAndRemoved(let seat):
            return APIError(.badRequest, code: "invalid_field", message: "Seat \(seats.seats[seat].label) is both added and removed.")
        case .alreadyInHold(let already):
            return APIError(.unprocessableContent, code: "seats_already_held", message: "These seats are already in the hold.",
                            detailsJSON: Self.details(already, in: seats))
        case .notInHold(let absent):
            return APIError(.unprocessableContent, code: "seats_not_in_hold", message: "These seats are not in the hold.",
                            detailsJSON: Self.details(absent, in: seats))
        case .emptyHold:
            return APIError(.unprocessableContent, code: "empty_hold", message: "A hold keeps at least one seat; DELETE it to let go.")
        case .tooManySeats(let max):
            return HoldRequest.tooMany(max)
        }
    }

    /// `"seats":["F7","F8"]`, labels in seat order.
    private static func details(_ indices: [Int], in seats: ShowtimeSeats) -> String {
        "\"seats\":\(BookingJSON.labels(seats.labels(of: indices)))"
    }
}

extension APIError {
    static let holdNotFound = APIError(.notFound, code: "hold_not_found", message: "No such live hold of yours (it may have expired).")
}
