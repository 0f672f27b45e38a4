import MarqueeCore
import MarqueeSeating
import Testing

@Suite("Checkout's seat rules on a hand-driven clock")
struct CheckoutRuleTests {
    func begin(_ fixture: SeatingFixture, _ number: UInt32, user: Int64) -> Result<CheckoutMachine, HoldRefusal> {
        fixture.seats.beginCheckout(number, user: user, method: "pm_card_visa", currency: "usd", limits: fixture.limits, now: fixture.now)
    }

    @Test("checkout extends the hold past the payment window and freezes it until the checkout ends")
    func begin() throws {
        let fixture = SeatingFixture()
        fixture.limits.holdTTLSeconds = 60
        fixture.limits.paymentWindowSeconds = 120
        let hold = try #require(fixture.hold("A1", "B1", user: 1).value).hold
        fixture.unix += 30
        let machine = try #require(begin(fixture, hold.number, user: 1).value)
        #expect(machine.hold.expiry == fixture.now.seconds + 120 && machine.hold.paying && machine.hold.attempts == 1)
        #expect(machine.payment.amountCents == 2_500 && machine.payment.attempt == 1 && machine.payment.showtime == 42)
        #expect(fixture.seats.holds[hold.number] == machine.hold)

        // Past the hold's own lifetime, within the window: still held, and frozen.
        fixture.unix += 100
        #expect(fixture.state("A1") == .held)
        #expect(fixture.seats.expireHold(hold.number, userHolds: fixture.userHolds, now: fixture.now) == .later(due: machine.hold.expiry))
        #expect(begin(fixture, hold.number, user: 1).refusal == .checkoutInProgress)
        #expect(fixture.seats.releaseHold(hold.number, user: 1, userHolds: fixture.userHolds, now: fixture.now).refusal == .checkoutInProgress)
        #expect(fixture.hold("A2", user: 1).refusal == .limitReached(holds: 1), "not replaced either")
    }

    @Test("a hold that is not the caller's, has expired, or whose showtime closed is not checked out")
    func refused() throws {
        let fixture = SeatingFixture()
        fixture.limits.holdTTLSeconds = 60
        let hold = try #require(fixture.hold("A1", user: 1).value).hold
        #expect(begin(fixture, hold.number, user: 2).refusal == .holdNotFound)
        fixture.seats.cancelled = true
        #expect(begin(fixture, hold.number, user: 1).refusal == .showtimeCancelled)
        fixture.seats.cancelled = false
        fixture.unix += 60
        #expect(begin(fixture, hold.number, user: 1).refusal == .holdNotFound)
        #expect(fixture.seats.holds[hold.number]?.paying == false && fixture.seats.holds[hold.number]?.attempts == 0)
    }

    @Test("booking turns the held seats into a booking, ends the hold and returns the user's slot")
    func book() throws {
        let fixture = SeatingFixture()
        let hold = try #require(fixture.hold("B2", "B3", user: 1).value).hold
        let machine = try #require(begin(fixture, hold.number, user: 1).value)
        _ = fixture.takeEvents()
        #expect(fixture.seats.bookHold(machine.hold, userHolds: fixture.userHolds, now: fixture.now))
        #expect(fixture.state("B2") == .booked && fixture.seats.map.word(fixture.index("B3")) == .booked(by: hold.number))
        #expect(fixture.seats.holds[hold.number] == nil && fixture.userHolds.count(of: 1) == 0)
        #expect(fixture.takeEvents() == ["booked B2,B3"])

        // A refused commit puts it all back.
        var restored = machine.hold
        restored.paying = false
        #expect(fixture.seats.restoreHold(restored, userHolds: fixture.userHolds))
        #expect(fixture.seats.map.word(fixture.index("B2")).isHeld(by: hold.number, at: fixture.now.seconds))
        #expect(fixture.seats.holds[hold.number] == restored && fixture.userHolds.count(of: 1) == 1)
        #expect(fixture.takeEvents() == ["held B2,B3"])
    }

    @Test("a hold that lost a seat books nothing")
    func lostSeat() throws {
        let fixture = SeatingFixture()
        let hold = try #require(fixture.hold("B2", "B3", user: 1).value).hold
        let machine = try #require(begin(fixture, hold.number, user: 1).value)
        fixture.seats.map.release(fixture.indices("B3"), by: hold.number)  // what only a bug could do
        #expect(!fixture.seats.bookHold(machine.hold, userHolds: fixture.userHolds, now: fixture.now))
        #expect(fixture.seats.map.word(fixture.index("B2")).isHeld(by: hold.number, at: fixture.now.seconds))
        #expect(fixture.seats.holds[hold.number] != nil && fixture.userHolds.count(of: 1) == 1)
    }

    @Test("declined, then paid with another card: the hold is kept between attempts, numbered on")
    func declinedThenPaid() throws {
        let fixture = SeatingFixture()
        let hold = try #require(fixture.hold("A3", user: 1).value).hold
        var first = try #require(begin(fixture, hold.number, user: 1).value)
        _ = first.start()
        _ = first.handle(.attemptCommitted)
        guard case .finish(let ending) = first.handle(.declined(code: "card_declined", declineCode: nil, message: "No.")),
              case .resume(let number) = ending.hold else { Issue.record("not a resumed hold"); return }
        fixture.seats.resumeHold(number)
        #expect(fixture.seats.holds[hold.number]?.paying == false && fixture.state("A3") == .held)

        var second = try #require(begin(fixture, hold.number, user: 1).value)
        #expect(second.start() == .commitAttempt(PaymentAttempt(showtime: 42, hold: hold.number, attempt: 2, user: 1, amountCents: 1_500,
                                                                currency: "usd", method: "pm_card_visa")))
        _ = second.handle(.attemptCommitted)
        #expect(second.handle(.authorized(intent: "pi_2")) == .bookSeats(second.hold))
        #expect(fixture.seats.bookHold(second.hold, userHolds: fixture.userHolds, now: fixture.now))
        #expect(second.handle(.seatsBooked) == .commitBooking(BookingRecord(
            showtime: 42, number: hold.number, user: 1, seats: fixture.indices("A3"), labels: ["A3"], totalCents: 1_500, currency: "usd",
            intent: "pi_2", paymentStatus: .authorized)))
    }

    @Test("a cancelled booking's seats are freed and announced; ones already free are not")
    func freeBooked() throws {
        let fixture = SeatingFixture()
        fixture.seats.map.store(fixture.index("A1"), .booked(by: 9))
        fixture.seats.map.store(fixture.index("A2"), .booked(by: 9))
        fixture.seats.freeBookedSeats(fixture.indices("A1", "A2", "A3"), booking: 9)
        #expect(fixture.state("A1") == .free && fixture.state("A2") == .free)
        #expect(fixture.takeEvents() == ["released A1,A2"])
        fixture.seats.freeBookedSeats(fixture.indices("A1"), booking: 9)
        #expect(fixture.takeEvents().isEmpty)
    }
}
