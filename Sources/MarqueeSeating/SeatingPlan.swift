import MarqueeCore

/// What the seats of an auditorium are, at a showtime's prices: shared by
/// every loaded showtime with the same layout and prices, so a loaded
/// showtime costs its 8-byte words plus a small object, not a copy of this.
public final class SeatingPlan: Sendable {
    public struct Seat: Sendable {
        public let label: String
        public let row: String
        public let rowIndex: Int
        public let column: Int
        public let category: String
        public let priceCents: Int
        public let aisleAfter: Bool

        public init(label: String, row: String, rowIndex: Int, column: Int, category: String, priceCents: Int, aisleAfter: Bool) {
            self.label = label
            self.row = row
            self.rowIndex = rowIndex
            self.column = column
            self.category = category
            self.priceCents = priceCents
            self.aisleAfter = aisleAfter
        }
    }

    public let seats: [Seat]
    public let labelIndex: [String: Int]
    public let picker: SeatPicker

    public init(seats: [Seat]) {
        self.seats = seats
        var labels: [String: Int] = [:]
        for (index, seat) in seats.enumerated() { labels[seat.label] = index }
        labelIndex = labels
        picker = SeatPicker(seats: seats.enumerated().map { index, seat in
            SeatPicker.Seat(index: index, row: seat.rowIndex, column: seat.column, category: seat.category, aisleAfter: seat.aisleAfter)
        })
    }
}
