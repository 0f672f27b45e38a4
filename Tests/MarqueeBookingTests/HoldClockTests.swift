import MarqueeLoop
import MarqueeTestSupport
import Testing

/// The seat engine on a clock the test moves (BookingConfig.clock): hold
/// expiry over HTTP without waiting for it.
@Suite("Hold expiry on a hand-driven clock", .serialized)
final class HoldClockTests {
    let clock = ManualClock(wallSeconds: SystemClock.wallSeconds())
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        let clock = clock
        fixture = try BookingFixture { config in
            config.clock = .manual(clock)
            config.holdTTLSeconds = 60
        }
    }

    @Test("once the engine's clock passes a hold's expiry its seats are free at once, and the wheel records the expiry")
    func expiry() throws {
        let (alice, bob) = try { let c = try fixture.customers(2); return (c[0].token, c[1].token) }()
        let hold = try #require(fixture.hold(["D5"], token: alice).object?["id"] as? String)
        let first = "SELECT status FROM holds WHERE showtime_id = \(fixture.showtime) ORDER BY hold_no LIMIT 1"
        #expect(try fixture.eventually(first, equals: "live"), "its row is written before it expires")

        clock.advance(seconds: 59)
        #expect(try fixture.hold(["D5"], token: bob).status == 409)
        #expect(try server.request("GET", "/v1/holds/\(hold)", token: alice).status == 200)

        clock.advance(seconds: 1)
        // Free the moment it expires, whether or not the wheel has ticked.
        let bobs = try fixture.hold(["D5"], token: bob)
        #expect(bobs.status == 201)
        #expect(try server.request("GET", "/v1/holds/\(hold)", token: alice).status == 404)
        #expect(try fixture.checkout(hold, token: alice).status == 404, "an expired hold cannot be checked out")
        // The wheel records this hold, by its number, as expired (Bob's is
        // live: a count of expired rows would not tell them apart).
        #expect(try fixture.eventually(first, equals: "expired"), "the wheel's tick ends it")
        #expect(try BookingFixture.holdNumber(#require(bobs.object?["id"] as? String)) != BookingFixture.holdNumber(hold))
    }
}
