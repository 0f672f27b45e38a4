import MarqueeCore

/// One loaded showtime on its owner shard: the seat words (shared,
/// lock-free), its seating plan, the live holds, and the event sequence.
/// Everything but the words belongs to the owner shard's loop.
public final class ShowtimeSeats {
    public typealias Seat = SeatingPlan.Seat

    public let id: Int64
    public let map: SeatMap
    public let plan: SeatingPlan
    public var seats: [Seat] { plan.seats }
    public var labelIndex: [String: Int] { plan.labelIndex }
    public var picker: SeatPicker { plan.picker }
    public var startsAtUnix: Int64
    public var endsAtUnix: Int64
    public var cancelled: Bool
    public private(set) var seq: UInt64 = 0
    public var holds = HoldTable()
    public var nextHoldNumber: UInt32
    /// Hold numbers up to here are covered: by rows, or by a reservation
    /// queued to PostgreSQL (see the owner shard's `reserveHoldNumber`).
    public var holdNumbersReserved: UInt32
    /// Called on the owner loop with every event, in order.
    public var listeners: [(SeatEvent) -> Void] = []
    /// The readers' copy of this map encoded at some `seq` (MarqueeBooking's
    /// SeatMapEncoding), kept with the seats so it goes when they go. Set to
    /// nil when words change back without an event. Owner loop only.
    public var encoded: AnyObject?

    public init(id: Int64, plan: SeatingPlan, startsAtUnix: Int64, endsAtUnix: Int64, cancelled: Bool, nextHoldNumber: UInt32) {
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
    public func emit(_ kind: SeatEvent.Kind, _ seats: [Int]) -> SeatEvent {
        seq += 1
        // Callers mostly pass ascending seats already: no sorted copy then.
        var ascending = true
        for index in seats.indices.dropFirst() where seats[index - 1] >= seats[index] { ascending = false }
        let event = SeatEvent(showtime: id, seq: seq, kind: kind, seats: ascending ? seats : seats.sorted())
        for listener in listeners { listener(event) }
        return event
    }

    public func total(of seats: [Int]) -> Int { seats.reduce(0) { $0 + self.seats[$1].priceCents } }
    public func labels(of seats: [Int]) -> [String] { seats.sorted().map { self.seats[$0].label } }
}
