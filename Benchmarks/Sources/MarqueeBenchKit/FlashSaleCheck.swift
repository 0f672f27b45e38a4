/// The flash-sale assertion, from what the clients saw and what the
/// database holds: every seat on sale sold exactly once, every winner's
/// booking in the database with exactly its seats, and every loser refused
/// at the hold because the seats were taken (409 `seats_unavailable`; a
/// 409 for another reason, such as `showtime_started`, a 5xx, or a hold
/// that succeeded and then failed to pay are not clean losses).
public enum FlashSaleCheck {
    /// The only refusal a losing buyer may get: someone else holds the seats.
    public static let conflictCode = "seats_unavailable"

    public struct ClientOutcome: Sendable {
        public let holdStatus: Int
        /// The error code of the hold's answer when it was refused
        /// (`error.code` of the body), nil for a 2xx or a body without one.
        public let holdErrorCode: String?
        public let bookingID: String?
        public let seats: [String]
        public init(holdStatus: Int, holdErrorCode: String? = nil, bookingID: String?, seats: [String]) {
            self.holdStatus = holdStatus
            self.holdErrorCode = holdErrorCode
            self.bookingID = bookingID
            self.seats = seats
        }
    }

    public struct Verdict: Sendable, Equatable {
        /// Each seat on sale in exactly one winner's booking, and nothing else sold.
        public let oneWinnerPerSeat: Bool
        public let losersGotCleanConflicts: Bool
        public let databaseAgrees: Bool
        public var passed: Bool { oneWinnerPerSeat && losersGotCleanConflicts && databaseAgrees }
    }

    /// `database`: booking id -> seats of confirmed bookings of the showtime.
    public static func verdict(_ outcomes: [ClientOutcome], database: [String: [String]], seatsOnSale: Set<String>) -> Verdict {
        let winners = outcomes.filter { $0.bookingID != nil }
        let sold = winners.flatMap(\.seats)
        // Exactly once each: no seat twice, none left unsold, none off the sale.
        let oneEach = sold.count == seatsOnSale.count && Set(sold) == seatsOnSale
        let losers = outcomes.filter { $0.bookingID == nil }
        let clean = losers.allSatisfy { $0.holdStatus == 409 && $0.holdErrorCode == conflictCode }
        var agrees = database.count == winners.count
        for winner in winners where database[winner.bookingID!].map(Set.init) != Set(winner.seats) { agrees = false }
        let databaseSeats = database.values.flatMap { $0 }
        if Set(databaseSeats).count != databaseSeats.count { agrees = false }
        return Verdict(oneWinnerPerSeat: oneEach, losersGotCleanConflicts: clean, databaseAgrees: agrees)
    }
}
