import MarqueeCore
import MarqueeSeating

/// A showtime of two rows of four seats (row A premium at 1500, row B
/// standard at 1000, an aisle after column 2), starting a day after `start`,
/// with every event it emits recorded, and a clock moved by hand.
final class SeatingFixture {
    static let start: Int64 = 1_800_000_000

    let seats: ShowtimeSeats
    let userHolds = UserHoldCounter(slotCount: 1 << 10)
    var limits = HoldLimits()
    /// The hand-driven clock: Unix seconds.
    var unix = SeatingFixture.start
    private(set) var events: [(kind: SeatEvent.Kind, labels: [String])] = []

    var now: SeatTime { SeatTime(unix: unix) }

    init(showtime: Int64 = 42) {
        var plan: [SeatingPlan.Seat] = []
        for (rowIndex, row) in ["A", "B"].enumerated() {
            for column in 1...4 {
                plan.append(SeatingPlan.Seat(label: "\(row)\(column)", row: row, rowIndex: rowIndex, column: column,
                                             category: row == "A" ? "premium" : "standard", priceCents: row == "A" ? 1500 : 1000,
                                             aisleAfter: column == 2))
            }
        }
        seats = ShowtimeSeats(id: showtime, plan: SeatingPlan(seats: plan), startsAtUnix: Self.start + 86_400,
                              endsAtUnix: Self.start + 86_400 + 7_200, cancelled: false, nextHoldNumber: 1)
        seats.listeners.append { [unowned self] event in
            events.append((event.kind, event.seats.map { self.seats.seats[$0].label }))
        }
    }

    func index(_ label: String) -> Int { seats.labelIndex[label]! }
    func indices(_ labels: String...) -> [Int] { labels.map(index) }

    /// A seat's state now, as any reader of the words sees it.
    func state(_ label: String) -> SeatWord.State { seats.map.word(index(label)).state(at: now.seconds) }

    func hold(_ labels: String..., user: Int64) -> Result<ShowtimeSeats.Created, HoldRefusal> {
        seats.createHold(.named(labels), user: user, limits: limits, userHolds: userHolds, now: now)
    }

    /// Events since the last call.
    func takeEvents() -> [String] {
        defer { events = [] }
        return events.map { "\($0.kind) \($0.labels.joined(separator: ","))" }
    }
}

extension Result {
    var value: Success? { if case .success(let value) = self { value } else { nil } }
    var refusal: Failure? { if case .failure(let failure) = self { failure } else { nil } }
}
