import Foundation
import MarqueeTestSupport
import Testing

/// A showtime dropped while one of its checkouts waits for the provider
/// (its lease was lost), then touched again: the reload waits for that
/// checkout, so the map it reads knows everything the checkout wrote.
@Suite("A showtime reloaded while a checkout runs on its dropped copy", .serialized)
final class ShowtimeReloadTests {
    let fixture: BookingFixture

    init() throws {
        // Leases renewed every second; the provider takes five.
        let server = try MarqueeTestServer(booking: {
            $0.leaseSeconds = 3
            $0.paymentLatencyMilliseconds = 5_000
        })
        fixture = try BookingFixture(server: server)
    }

    /// Another instance took the lease and let it lapse: the renewal finds
    /// it lost and drops the copy; a read takes the lease back, at a higher
    /// fence, and reloads. True when the lease was retaken while
    /// `checkout` still waited for the provider (what each test is about).
    private func loseAndRetakeLease(during checkout: InFlight<TestClient.Response>) throws -> Bool {
        let fixture = self.fixture
        let showtime = fixture.showtime
        _ = try fixture.sql("""
            UPDATE showtime_leases SET owner = 'elsewhere', fence = fence + 1, expires_at = now() - interval '1 second'
            WHERE showtime_id = \(showtime)
            """)
        let retaken = "SELECT owner <> 'elsewhere' FROM showtime_leases WHERE showtime_id = \(showtime)"
        for _ in 0..<10 {
            // Answered from the copy until the renewal drops it; then this
            // read takes the lease and waits for the reload.
            let read = InFlight { try fixture.server.request("GET", "/v1/showtimes/\(showtime)/seats", token: nil, timeoutSeconds: 30) }
            if try waitUntil(seconds: 1.5, { try fixture.sql(retaken) == [["t"]] }) {
                let during = !checkout.isDone
                #expect(try read.wait().status == 200, "the reload ends")
                return during
            }
            _ = try read.wait()
        }
        return false
    }

    @Test("the reload waits for the checkout: the map agrees with PostgreSQL and with the buyer's answer; a retry books")
    func reloadWaitsForCheckout() throws {
        let fixture = self.fixture
        let server = fixture.server
        let showtime = fixture.showtime
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["B3", "B4"], token: buyer).object?["id"] as? String)
        let number = try BookingFixture.holdNumber(hold)
        let checkout = InFlight { try fixture.checkout(hold, token: buyer, timeoutSeconds: 30) }
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "authorizing:-" })
        // The hold's own row is write-behind, a gathering behind the attempt's:
        // written before the lease moves, or the fence refuses it (a takeover
        // loses holds not yet written, as documented), which is not the case here.
        let holdRow = "SELECT status FROM holds WHERE hold_no = \(try BookingFixture.holdNumber(hold))"
        #expect(try waitUntil(seconds: 5) { try fixture.sql(holdRow) == [["live"]] })

        #expect(try loseAndRetakeLease(during: checkout), "the copy was dropped while the provider authorised")

        let answer = try checkout.wait()
        let booked = try fixture.sql("SELECT count(*) FROM bookings WHERE booking_no = \(number) AND status = 'confirmed'") == [["1"]]
        let states = try fixture.states()
        #expect(states["B3"] == (booked ? "booked" : "held") && states["B4"] == states["B3"],
                "the map agrees with PostgreSQL (booked: \(booked)): \(states["B3"] ?? "?"), \(states["B4"] ?? "?")")
        #expect((answer.status == 201) == booked, "the buyer's answer agrees too: \(answer)")
        #expect(answer.errorCode == "showtime_owned_elsewhere", "nothing booked on a dropped copy: \(answer)")
        guard !booked else { return }

        // Nothing was booked on the dropped copy: the hold is the buyer's
        // in the reloaded map, and checking it out again books it.
        #expect(try fixture.mine(token: buyer) == ["B3", "B4"])
        let retried = try fixture.checkout(hold, token: buyer, timeoutSeconds: 30)
        #expect(retried.status == 201, "\(retried)")
        #expect(try fixture.states()["B3"] == "booked")
        #expect(try fixture.sql("SELECT count(*) FROM bookings WHERE status = 'confirmed'") == [["1"]])
    }

    @Test("""
        a capture refused while the copy is dropped: the reload waits for the booking's cancel, \
        and the map shows the seats free, as PostgreSQL has them
        """)
    func reloadWaitsForCancelledBooking() throws {
        let fixture = self.fixture
        let buyers = try fixture.customers(2)
        let hold = try #require(fixture.hold(["B5", "B6"], token: buyers[0].token).object?["id"] as? String)
        let number = try BookingFixture.holdNumber(hold)
        let checkout = InFlight { try fixture.checkout(hold, method: "pm_mock_captureFails", token: buyers[0].token, timeoutSeconds: 30) }
        // The booking is committed; the capture takes the provider's five seconds.
        #expect(try waitUntil(seconds: 10) { try fixture.sql("SELECT count(*) FROM bookings WHERE booking_no = \(number)") == [["1"]] })
        #expect(try loseAndRetakeLease(during: checkout), "the copy was dropped while the provider captured")

        let answer = try checkout.wait()
        #expect(answer.status != 201, "\(answer)")
        #expect(try fixture.sql("SELECT status FROM bookings WHERE booking_no = \(number)") == [["cancelled"]])
        let states = try fixture.states()
        #expect(states["B5"] == "free" && states["B6"] == "free", "the map agrees with PostgreSQL: \(states["B5"] ?? "?"), \(states["B6"] ?? "?")")
        #expect(try fixture.hold(["B5", "B6"], token: buyers[1].token).status == 201, "the seats are for sale again")
    }

    @Test("""
        a card that needs 3-D Secure answered on a dropped copy: the checkout is cancelled, not left \
        waiting (the reload would wait for it); the buyer keeps the hold and may pay again
        """)
    func noAuthenticationWaitOnDroppedCopy() throws {
        let fixture = self.fixture
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["B7"], token: buyer).object?["id"] as? String)
        let checkout = InFlight { try fixture.checkout(hold, method: "pm_card_threeDSecureRequired", token: buyer, timeoutSeconds: 30) }
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "authorizing:-" })
        // The hold's own row is write-behind, a gathering behind the attempt's:
        // written before the lease moves, or the fence refuses it (a takeover
        // loses holds not yet written, as documented), which is not the case here.
        let holdRow = "SELECT status FROM holds WHERE hold_no = \(try BookingFixture.holdNumber(hold))"
        #expect(try waitUntil(seconds: 5) { try fixture.sql(holdRow) == [["live"]] })
        #expect(try loseAndRetakeLease(during: checkout), "the copy was dropped while the provider authorised")

        let answer = try checkout.wait()
        #expect(answer.status == 503 && answer.errorCode == "showtime_owned_elsewhere", "\(answer)")
        #expect(try fixture.mine(token: buyer) == ["B7"], "the hold is the buyer's in the reloaded map")
        #expect(try waitUntil(seconds: 10) { try fixture.attempts(hold).hasPrefix("cancelled") },
                "the attempt: \((try? fixture.attempts(hold)) ?? "?")")
        let paid = try fixture.checkout(hold, token: buyer, timeoutSeconds: 30)
        #expect(paid.status == 201, "\(paid)")
    }
}
