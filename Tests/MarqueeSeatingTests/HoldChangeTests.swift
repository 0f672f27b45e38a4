import MarqueeCore
import MarqueeSeating
import Testing

@Suite("Changing and releasing holds")
struct HoldChangeTests {
    @Test("a change adds and removes seats in one step, or leaves the hold as it was")
    func change() throws {
        let fixture = SeatingFixture()
        let hold = try #require(fixture.hold("A1", "A2", user: 1).value).hold
        _ = try #require(fixture.hold("B4", user: 2).value)
        _ = fixture.takeEvents()
        let change = { (add: [String], remove: [String]) in
            fixture.seats.changeHold(hold.number, user: 1, add: add, remove: remove, limits: fixture.limits, now: fixture.now)
        }
        #expect(change(["A3", "B4"], ["A1"]).refusal == .conflict(seats: fixture.indices("B4")))
        #expect(fixture.state("A3") == .free && fixture.state("A1") == .held, "unchanged")

        let changed = try #require(change(["A3"], ["A1"]).value)
        #expect(changed.seats == fixture.indices("A2", "A3") && changed.expiry == hold.expiry)
        #expect(fixture.seats.holds[hold.number] == changed && fixture.state("A1") == .free)
        #expect(fixture.takeEvents() == ["held A3", "released A1"])

        #expect(change(["B1"], ["B1"]).refusal == .addedAndRemoved(seat: fixture.index("B1")))
        #expect(change(["A2"], []).refusal == .alreadyInHold(seats: fixture.indices("A2")))
        #expect(change([], ["B1"]).refusal == .notInHold(seats: fixture.indices("B1")))
        #expect(change([], ["A2", "A3"]).refusal == .emptyHold)
        #expect(change(["Z1"], []).refusal == .unknownSeats(labels: ["Z1"]))
        fixture.limits.maxSeatsPerHold = 2
        #expect(change(["A4"], []).refusal == .tooManySeats(max: 2))
        #expect(fixture.seats.map.block(fixture.index("B2"), now: fixture.now.seconds))
        fixture.limits.maxSeatsPerHold = 10
        #expect(change(["B2"], []).refusal == .seatsBlocked(seats: fixture.indices("B2")))
        #expect(fixture.takeEvents().isEmpty)
    }

    @Test("only the holder may change or release a live hold, and never while it checks out")
    func ownership() throws {
        let fixture = SeatingFixture()
        let hold = try #require(fixture.hold("A1", user: 1).value).hold
        #expect(fixture.seats.changeHold(hold.number, user: 2, add: ["A2"], remove: [], limits: fixture.limits, now: fixture.now)
            .refusal == .holdNotFound)
        #expect(fixture.seats.releaseHold(hold.number, user: 2, userHolds: fixture.userHolds, now: fixture.now).refusal == .holdNotFound)
        fixture.seats.holds[hold.number]?.paying = true
        #expect(fixture.seats.changeHold(hold.number, user: 1, add: ["A2"], remove: [], limits: fixture.limits, now: fixture.now)
            .refusal == .checkoutInProgress)
        #expect(fixture.seats.releaseHold(hold.number, user: 1, userHolds: fixture.userHolds, now: fixture.now).refusal == .checkoutInProgress)
        fixture.seats.holds[hold.number]?.paying = false
        fixture.seats.cancelled = true
        #expect(fixture.seats.changeHold(hold.number, user: 1, add: ["A2"], remove: [], limits: fixture.limits, now: fixture.now)
            .refusal == .showtimeCancelled)
    }

    @Test("a release frees the seats at once, returns the user's slot and is announced")
    func release() throws {
        let fixture = SeatingFixture()
        let hold = try #require(fixture.hold("B2", "B3", user: 1).value).hold
        #expect(fixture.seats.releaseHold(hold.number, user: 1, userHolds: fixture.userHolds, now: fixture.now).value == hold)
        #expect(fixture.state("B2") == .free && fixture.state("B3") == .free)
        #expect(fixture.userHolds.count(of: 1) == 0 && fixture.seats.holds.count == 0)
        #expect(fixture.takeEvents() == ["held B2,B3", "released B2,B3"])
        #expect(fixture.seats.releaseHold(hold.number, user: 1, userHolds: fixture.userHolds, now: fixture.now).refusal == .holdNotFound)
    }

    @Test("a showtime's memory may go an hour after it ends, unless a checkout is under way")
    func eviction() throws {
        let fixture = SeatingFixture()
        let hold = try #require(fixture.hold("A1", user: 1).value).hold
        fixture.unix = fixture.seats.endsAtUnix + 3_600
        #expect(!fixture.seats.isEvictable(at: fixture.now, afterEnd: 3_600))
        fixture.unix += 1
        #expect(fixture.seats.isEvictable(at: fixture.now, afterEnd: 3_600))
        fixture.seats.holds[hold.number]?.paying = true
        #expect(!fixture.seats.isEvictable(at: fixture.now, afterEnd: 3_600))
    }
}
