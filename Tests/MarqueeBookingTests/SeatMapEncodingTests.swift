@testable import MarqueeBooking
import MarqueeCore
import MarqueeSeating
import Testing

/// The seat map's bytes: the shape clients read, unchanged by sharing.
@Suite("Seat map encoding")
struct SeatMapEncodingTests {
    @Test("the shared body has every mine false; a holder's copy and snapshot mark only its seats")
    func shape() throws {
        let plan = SeatingPlan(seats: ["A1", "A2", "A3"].enumerated().map { column, label in
            SeatingPlan.Seat(label: label, row: "A", rowIndex: 0, column: column + 1, category: "standard", priceCents: 1000,
                             aisleAfter: column == 0)
        })
        let seats = ShowtimeSeats(id: 9, plan: plan, startsAtUnix: 1_900_000_000, endsAtUnix: 1_900_007_200, cancelled: false,
                                  nextHoldNumber: 1)
        let now = SeatTime(unix: 1_800_000_000)
        _ = seats.createHold(.named(["A2"]), user: 7, limits: HoldLimits(), userHolds: UserHoldCounter(slotCount: 64), now: now)
        _ = seats.map.block(2, now: now.seconds)
        let encoding = SeatMapEncoding.encode(seats, now: now.seconds, fragments: nil)
        func seat(_ label: String, _ column: Int, aisle: Bool, _ state: String, mine: Bool) -> String {
            "{\"label\":\"\(label)\",\"row\":\"A\",\"column\":\(column),\"category\":\"standard\",\"price_cents\":1000,"
                + "\"aisle_after\":\(aisle),\"state\":\"\(state)\",\"mine\":\(mine)}"
        }
        func map(mine: Bool) -> String {
            "\"showtime\":9,\"seq\":1,\"seats\":[" + seat("A1", 1, aisle: true, "free", mine: false) + ","
                + seat("A2", 2, aisle: false, "held", mine: mine) + "," + seat("A3", 3, aisle: false, "blocked", mine: false)
                + "],\"counts\":{\"free\":1,\"held\":1,\"booked\":0,\"blocked\":1}}"
        }
        let text = { (bytes: [UInt8]) in String(decoding: bytes, as: UTF8.self) }
        #expect(text(encoding.body(for: nil, in: seats, now: now.seconds)) == "{" + map(mine: false))
        #expect(text(encoding.body(for: 8, in: seats, now: now.seconds)) == "{" + map(mine: false))
        #expect(text(encoding.body(for: 7, in: seats, now: now.seconds)) == "{" + map(mine: true))
        let shared = encoding.snapshot(for: 8, in: seats, now: now.seconds)
        #expect(shared.shared && text(shared.bytes) == "{\"type\":\"snapshot\"," + map(mine: false))
        let own = encoding.snapshot(for: 7, in: seats, now: now.seconds)
        #expect(!own.shared && text(own.bytes) == "{\"type\":\"snapshot\"," + map(mine: true))
    }
}
