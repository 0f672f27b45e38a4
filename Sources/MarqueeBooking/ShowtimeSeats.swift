import MarqueeCore
import MarqueeHTTP

/// A seat change, numbered per showtime in the order the owner shard made
/// it: what persistence records and live seat maps broadcast.
public struct SeatEvent: Sendable {
    public enum Kind: String, Sendable {
        case held, released, expired, booked, blocked, unblocked
    }

    public let showtime: Int64
    public let seq: UInt64
    public let kind: Kind
    public let seats: [Int]
}

/// A live hold, kept on the owner shard beside its seat words.
struct HoldRecord {
    let number: UInt32
    let userID: Int64
    /// Seat indices, ascending (made, changed and loaded that way).
    var seats: [Int]
    /// Seat-clock seconds (SeatWord epoch).
    var expiry: UInt32
    let createdUnix: Int64
    /// A checkout is between the payment record and the booking commit:
    /// the hold may not be changed, released or replaced meanwhile.
    var paying = false
    var attempts: Int
}

/// What the seats of an auditorium are, at a showtime's prices: shared by
/// every loaded showtime with the same layout and prices, so a loaded
/// showtime costs its 8-byte words plus a small object, not a copy of this.
final class SeatingPlan {
    struct Seat {
        let label: String
        let row: String
        let rowIndex: Int
        let column: Int
        let category: String
        let priceCents: Int
        let aisleAfter: Bool
    }

    let seats: [Seat]
    let labelIndex: [String: Int]
    let picker: SeatPicker

    init(seats: [Seat]) {
        self.seats = seats
        var labels: [String: Int] = [:]
        for (index, seat) in seats.enumerated() { labels[seat.label] = index }
        labelIndex = labels
        picker = SeatPicker(seats: seats.enumerated().map { index, seat in
            SeatPicker.Seat(index: index, row: seat.rowIndex, column: seat.column, category: seat.category, aisleAfter: seat.aisleAfter)
        })
    }
}

/// One loaded showtime on its owner shard: the seat words (shared,
/// lock-free), its seating plan, the live holds, and the event sequence.
final class ShowtimeSeats {
    typealias Seat = SeatingPlan.Seat

    let id: Int64
    let map: SeatMap
    let plan: SeatingPlan
    var seats: [Seat] { plan.seats }
    var labelIndex: [String: Int] { plan.labelIndex }
    var picker: SeatPicker { plan.picker }
    var startsAtUnix: Int64
    var endsAtUnix: Int64
    var cancelled: Bool
    private(set) var seq: UInt64 = 0
    var holds = HoldTable()
    var nextHoldNumber: UInt32
    /// Hold numbers up to here are covered: by rows, or by a reservation
    /// queued to PostgreSQL (`OwnerShard.reserveHoldNumber`).
    var holdNumbersReserved: UInt32
    /// Called on the owner loop with every event, in order.
    var listeners: [(SeatEvent) -> Void] = []

    init(id: Int64, plan: SeatingPlan, startsAtUnix: Int64, endsAtUnix: Int64, cancelled: Bool, nextHoldNumber: UInt32) {
        self.id = id
        self.plan = plan
        map = SeatMap(count: plan.seats.count)
        self.startsAtUnix = startsAtUnix
        self.endsAtUnix = endsAtUnix
        self.cancelled = cancelled
        self.nextHoldNumber = nextHoldNumber
        holdNumbersReserved = nextHoldNumber - 1
    }

    @discardableResult
    func emit(_ kind: SeatEvent.Kind, _ seats: [Int]) -> SeatEvent {
        seq += 1
        // Callers mostly pass ascending seats already: no sorted copy then.
        var ascending = true
        for index in seats.indices.dropFirst() where seats[index - 1] >= seats[index] { ascending = false }
        let event = SeatEvent(showtime: id, seq: seq, kind: kind, seats: ascending ? seats : seats.sorted())
        for listener in listeners { listener(event) }
        return event
    }

    /// The seat-map indices of `labels`, in order; 422 `unknown_seats`
    /// naming every label this auditorium lacks.
    func indices(of labels: [String]) throws(APIError) -> [Int] {
        var indices: [Int] = []
        indices.reserveCapacity(labels.count)
        for label in labels {
            guard let index = labelIndex[label] else {
                let unknown = labels.filter { labelIndex[$0] == nil }
                throw APIError(.unprocessableContent, code: "unknown_seats", message: "No such seat in this auditorium.",
                               detailsJSON: "\"seats\":\(BookingJSON.labels(unknown))")
            }
            indices.append(index)
        }
        return indices
    }

    /// 409 `seats_blocked` naming the blocked ones among `seats`, or nil.
    func blockedError(_ seats: [Int]) -> APIError? {
        let blocked = seats.filter { map.word($0).storedState == .blocked }
        guard !blocked.isEmpty else { return nil }
        return APIError(.conflict, code: "seats_blocked", message: "These seats are not for sale.",
                        detailsJSON: "\"seats\":\(BookingJSON.labels(labels(of: blocked)))")
    }

    func total(of seats: [Int]) -> Int { seats.reduce(0) { $0 + self.seats[$1].priceCents } }
    func labels(of seats: [Int]) -> [String] { seats.sorted().map { self.seats[$0].label } }
}
