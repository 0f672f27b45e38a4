import MarqueeCore
import MarqueeSeating
import Testing

@Suite("Hold rules on a hand-driven clock")
struct HoldRuleTests {
    @Test("two users want the same seat: one hold wins, the other takes nothing and names the taken seat")
    func conflict() throws {
        let fixture = SeatingFixture()
        let first = try #require(fixture.hold("A1", "A2", user: 1).value)
        #expect(first.hold.seats == fixture.indices("A1", "A2") && first.replaced == nil)
        #expect(fixture.hold("A2", "A3", user: 2).refusal == .conflict(seats: fixture.indices("A2")))
        #expect(fixture.state("A3") == .free, "all or nothing")
        #expect(fixture.userHolds.count(of: 2) == 0, "the refused user's slot is given back")
        #expect(fixture.userHolds.count(of: 1) == 1)
        #expect(fixture.takeEvents() == ["held A1,A2"])
    }

    @Test("a hold lasts its lifetime: then its seats read free to everyone, before the wheel ends it")
    func expiry() throws {
        let fixture = SeatingFixture()
        fixture.limits.holdTTLSeconds = 60
        let hold = try #require(fixture.hold("B1", user: 1).value).hold
        #expect(hold.expiry == fixture.now.seconds + 60 && hold.createdUnix == SeatingFixture.start)

        fixture.unix += 59
        #expect(fixture.seats.liveHold(hold.number, user: 1, now: fixture.now).value == hold)
        #expect(fixture.seats.expireHold(hold.number, userHolds: fixture.userHolds, now: fixture.now) == .later(due: hold.expiry))
        #expect(fixture.hold("B1", user: 2).refusal == .conflict(seats: fixture.indices("B1")))

        fixture.unix += 1
        #expect(fixture.state("B1") == .free)
        #expect(fixture.seats.liveHold(hold.number, user: 1, now: fixture.now).refusal == .holdNotFound)
        let next = try #require(fixture.hold("B1", user: 2).value, "free the second it expires").hold
        // The wheel comes by: the hold ends, its slot returns, and its seat,
        // now someone else's, is not announced as freed.
        #expect(fixture.seats.expireHold(hold.number, userHolds: fixture.userHolds, now: fixture.now) == .expired(hold))
        #expect(fixture.userHolds.count(of: 1) == 0)
        #expect(fixture.seats.map.word(fixture.index("B1")).isHeld(by: next.number, at: fixture.now.seconds))
        #expect(fixture.takeEvents() == ["held B1", "held B1"])
        #expect(fixture.seats.expireHold(hold.number, userHolds: fixture.userHolds, now: fixture.now) == .gone)
    }

    @Test("the wheel ends an unclaimed expired hold with an event; a hold checking out waits")
    func wheel() throws {
        let fixture = SeatingFixture()
        fixture.limits.holdTTLSeconds = 10
        let paying = try #require(fixture.hold("A1", user: 1).value).hold
        let idle = try #require(fixture.hold("A4", user: 2).value).hold
        fixture.seats.holds[paying.number]?.paying = true
        fixture.unix += 10
        #expect(fixture.seats.expireHold(paying.number, userHolds: fixture.userHolds, now: fixture.now) == .later(due: fixture.now.seconds + 1))
        #expect(fixture.seats.expireHold(idle.number, userHolds: fixture.userHolds, now: fixture.now) == .expired(idle))
        #expect(fixture.takeEvents() == ["held A1", "held A4", "expired A4"])
        #expect(fixture.seats.holds.count == 1 && fixture.userHolds.count(of: 2) == 0 && fixture.userHolds.count(of: 1) == 1)
    }

    @Test("past the per-showtime limit the oldest hold is replaced; if the new one fails, the old one keeps its seats")
    func replacement() throws {
        let fixture = SeatingFixture()
        let first = try #require(fixture.hold("A1", "A2", user: 1).value).hold
        let second = try #require(fixture.hold("A2", "A3", user: 1).value, "may reuse the replaced hold's seats")
        #expect(second.replaced == first)
        #expect(fixture.state("A1") == .free && fixture.seats.holds[first.number] == nil)
        #expect(fixture.userHolds.count(of: 1) == 1, "a replacement takes no second slot")
        #expect(fixture.takeEvents() == ["held A1,A2", "released A1", "held A2,A3"])

        _ = try #require(fixture.hold("B1", user: 2).value)
        #expect(fixture.hold("B1", "A4", user: 1).refusal == .conflict(seats: fixture.indices("B1")))
        #expect(fixture.seats.map.word(fixture.index("A2")).isHeld(by: second.hold.number, at: fixture.now.seconds))
        #expect(fixture.seats.map.word(fixture.index("A3")).isHeld(by: second.hold.number, at: fixture.now.seconds))
        #expect(fixture.state("A4") == .free && fixture.seats.holds[second.hold.number] == second.hold)
        #expect(fixture.userHolds.count(of: 1) == 1)
    }

    @Test("a user whose holds here are all checking out is refused; so is one at the per-user limit")
    func limits() throws {
        let fixture = SeatingFixture()
        let hold = try #require(fixture.hold("A1", user: 1).value).hold
        fixture.seats.holds[hold.number]?.paying = true
        #expect(fixture.hold("A2", user: 1).refusal == .limitReached(holds: 1))
        #expect(fixture.state("A2") == .free && fixture.state("A1") == .held)

        fixture.limits.maxHoldsPerUser = 2
        fixture.userHolds.add(5)
        fixture.userHolds.add(5)  // two holds on other showtimes
        #expect(fixture.hold("B1", user: 5).refusal == .tooManyHolds(limit: 2))
        #expect(fixture.state("B1") == .free && fixture.userHolds.count(of: 5) == 2)
    }

    @Test("no seats are held on a cancelled showtime, or once it has started")
    func closedShowtime() throws {
        let fixture = SeatingFixture()
        fixture.unix = fixture.seats.startsAtUnix - 1
        #expect(fixture.hold("A1", user: 1).value != nil)
        fixture.unix += 1
        #expect(fixture.hold("A2", user: 2).refusal == .showtimeStarted)
        fixture.unix = SeatingFixture.start
        fixture.seats.cancelled = true
        #expect(fixture.hold("A2", user: 2).refusal == .showtimeCancelled)
        #expect(fixture.state("A2") == .free && fixture.userHolds.count(of: 2) == 0)
    }

    @Test("unknown labels are named in the order asked; blocked seats are refused by index")
    func unknownAndBlocked() {
        let fixture = SeatingFixture()
        #expect(fixture.hold("A1", "Z9", "Q1", user: 1).refusal == .unknownSeats(labels: ["Z9", "Q1"]))
        #expect(fixture.seats.map.block(fixture.index("B2"), now: fixture.now.seconds))
        #expect(fixture.hold("B1", "B2", user: 1).refusal == .seatsBlocked(seats: fixture.indices("B2")))
        #expect(fixture.state("B1") == .free && fixture.userHolds.count(of: 1) == 0)
    }

    @Test("best available: adjacent seats of the category asked; none left is its own refusal")
    func bestAvailable() throws {
        let fixture = SeatingFixture()
        let pick = { (count: Int, category: String?, user: Int64) in
            fixture.seats.createHold(.bestAvailable(count: count, category: category), user: user, limits: fixture.limits,
                                     userHolds: fixture.userHolds, now: fixture.now)
        }
        #expect(pick(2, "vip", 1).refusal == .unknownCategory("vip"))
        let held = try #require(pick(2, "premium", 1).value).hold
        #expect(held.seats.allSatisfy { fixture.seats.seats[$0].category == "premium" } && held.seats.count == 2)
        _ = try #require(pick(2, "premium", 2).value)
        #expect(pick(2, "premium", 3).refusal == .noSeatsAvailable(count: 2, category: "premium"))
        #expect(fixture.userHolds.count(of: 3) == 0)
    }
}
