/// The flash-sale assertion, from what the clients saw and what the
/// database holds: each sold seat in exactly one booking, every winner's
/// booking in the database with exactly its seats, and every loser a clean
/// 409 (no 5xx, no partial hold).
public enum FlashSaleCheck {
    public struct ClientOutcome: Sendable {
        public let holdStatus: Int
        public let bookingID: String?
        public let seats: [String]
        public init(holdStatus: Int, bookingID: String?, seats: [String]) {
            self.holdStatus = holdStatus
            self.bookingID = bookingID
            self.seats = seats
        }
    }

    public struct Verdict: Sendable, Equatable {
        public let oneWinnerPerSeat: Bool
        public let losersGotCleanConflicts: Bool
        public let databaseAgrees: Bool
        public var passed: Bool { oneWinnerPerSeat && losersGotCleanConflicts && databaseAgrees }
    }

    /// `database`: booking id -> seats of confirmed bookings of the showtime.
    public static func verdict(_ outcomes: [ClientOutcome], database: [String: [String]], seatsOnSale: Set<String>) -> Verdict {
        let winners = outcomes.filter { $0.bookingID != nil }
        let sold = winners.flatMap(\.seats)
        let oneEach = Set(sold).count == sold.count && Set(sold).isSubset(of: seatsOnSale)
        let losers = outcomes.filter { $0.bookingID == nil }
        let clean = losers.allSatisfy { $0.holdStatus == 409 }
        var agrees = database.count == winners.count
        for winner in winners where database[winner.bookingID!].map(Set.init) != Set(winner.seats) { agrees = false }
        let databaseSeats = database.values.flatMap { $0 }
        if Set(databaseSeats).count != databaseSeats.count { agrees = false }
        return Verdict(oneWinnerPerSeat: oneEach, losersGotCleanConflicts: clean, databaseAgrees: agrees)
    }
}
