import Foundation
import MarqueeHTTP

/// The seats a layout defines, in seat-map order: row by row from the
/// front, column by column; removed seats take no index. A showtime's
/// seat map has exactly these seats, word `index` for `seats[index]`.
extension SeatLayout {
    public struct Seat: Equatable, Sendable {
        public let index: Int
        public let label: String
        public let row: String
        /// 1-based column; aisles take no number.
        public let column: Int
        public let category: String
        public let priceCents: Int
        /// An aisle follows this seat (front ends draw a gap after it).
        public let aisleAfter: Bool
    }

    public var seats: [Seat] {
        var seats: [Seat] = []
        seats.reserveCapacity(seatCount)
        let aisles = Set(aislesAfter)
        for row in rowLabels {
            for column in 1...columns {
                let label = "\(row)\(column)"
                guard !removed.contains(label) else { continue }
                let category = categories[label] ?? "standard"
                seats.append(Seat(index: seats.count, label: label, row: row, column: column, category: category,
                                  priceCents: prices[category] ?? 0, aisleAfter: aisles.contains(column)))
            }
        }
        return seats
    }

    /// A layout as stored in `auditoriums.layout`, checked again.
    public static func decode(json: String) throws(APIError) -> SeatLayout {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) else {
            throw APIError(.internalServerError, code: "internal_error", message: "A stored layout is not JSON.")
        }
        return try parse(object)
    }
}
