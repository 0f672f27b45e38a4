import Foundation
import MarqueeTestSupport
import Testing

/// Two servers on one database, as two instances behind the proxy would be:
/// a showtime's seat map lives on the instance holding its lease, and a
/// stale owner's seat writes are refused by the lease's fence.
@Suite("Several instances: one owner per showtime, enforced by PostgreSQL", .serialized)
final class ShowtimeLeaseTests {
    let a: MarqueeTestServer
    let b: MarqueeTestServer
    let fixture: BookingFixture

    init() throws {
        // A long lease: only the test moves it, so A keeps believing it owns
        // the showtime after the takeover. A's hold rows gather for a
        // minute, so only its checkouts write (deterministic batches).
        a = try MarqueeTestServer(booking: {
            $0.instanceAddress = "instance-a:8080"
            $0.leaseSeconds = 120
            $0.writeBehindMilliseconds = 60_000
        })
        b = try MarqueeTestServer(sharing: a, booking: {
            $0.instanceAddress = "instance-b:8080"
            $0.leaseSeconds = 120
            $0.stripeWebhookSecret = Array(PaymentWebhookTests.secret.utf8)
        })
        fixture = try BookingFixture(server: a)
    }
    deinit {
        b.stop()
        a.stop()
    }

    private var showtime: Int { fixture.showtime }

    private func lease() throws -> (owner: String, fence: Int) {
        let row = try #require(fixture.sql("SELECT owner, fence FROM showtime_leases WHERE showtime_id = \(showtime)").first)
        return (try #require(row[0]), try #require(row[1].flatMap { Int($0) }))
    }

    private func hold(on server: MarqueeTestServer, _ seats: [String], token: String) throws -> TestClient.Response {
        let list = seats.map { "\"\($0)\"" }.joined(separator: ",")
        return try server.request("POST", "/v1/showtimes/\(showtime)/holds", json: "{\"seats\":[\(list)]}", token: token)
    }

    private func checkout(on server: MarqueeTestServer, _ hold: String, token: String) throws -> TestClient.Response {
        try server.request("POST", "/v1/holds/\(hold)/checkout", json: #"{"payment_method":"pm_card_visa"}"#, token: token)
    }

    /// The lease runs out (as if A were paused): B's next request takes it.
    /// Polled, since B's request and A's renewal race for the expired lease.
    private func takeOver() throws -> Bool {
        try waitUntil(seconds: 10) {
            _ = try fixture.sql("UPDATE showtime_leases SET expires_at = now() - interval '1 second' WHERE showtime_id = \(showtime)")
            return try b.request("GET", "/v1/showtimes/\(showtime)/seats", token: nil).status == 200
        }
    }

    @Test("an instance that does not own a showtime serves no copy of it: 503 naming the owner, and nothing changes")
    func nonOwner() throws {
        let buyers = try fixture.customers(2)
        #expect(try hold(on: a, ["A1"], token: buyers[0].token).status == 201)
        let owner = try lease()
        #expect(owner.fence == 1)

        let seats = try b.request("GET", "/v1/showtimes/\(showtime)/seats", token: buyers[1].token)
        #expect(seats.status == 503)
        #expect(seats.errorCode == "showtime_owned_elsewhere")
        #expect(seats.headers["retry-after"] == "1")
        #expect(((seats.object?["error"] as? [String: Any])?["details"] as? [String: Any])?["owner"] as? String == "instance-a:8080")
        let refused = try hold(on: b, ["A2"], token: buyers[1].token)
        #expect(refused.errorCode == "showtime_owned_elsewhere")

        #expect(try lease() == owner, "B did not take the lease")
        #expect(try fixture.states()["A2"] == "free", "B held nothing")
        #expect(try fixture.states()["A1"] == "held")
    }

    @Test("takeover: a new owner loads from PostgreSQL with a higher fence; the old owner's checkout is refused, never acknowledged")
    func takeover() throws {
        let buyers = try fixture.customers(3)
        // Before the takeover: a booking A acknowledged, so durable.
        let first = try #require(hold(on: a, ["A1"], token: buyers[0].token).object?["id"] as? String)
        #expect(try checkout(on: a, first, token: buyers[0].token).status == 201)
        let before = try lease()

        #expect(try takeOver())
        let after = try lease()
        #expect(after.owner != before.owner)
        #expect(after.fence == before.fence + 1)
        let onB = try b.request("GET", "/v1/showtimes/\(showtime)/seats", token: nil)
        let labels = (onB.object?["seats"] as? [[String: Any]] ?? []).filter { $0["state"] as? String == "booked" }
        #expect(labels.compactMap { $0["label"] as? String } == ["A1"], "B loaded A's booking")

        // A has not noticed: it still serves its map and takes a hold in memory,
        // but the checkout's first write carries the old fence.
        let stale = try #require(hold(on: a, ["C3"], token: buyers[1].token).object?["id"] as? String)
        let refused = try checkout(on: a, stale, token: buyers[1].token)
        #expect(refused.status == 503, "never a booking: \(refused)")
        #expect(refused.errorCode == "showtime_owned_elsewhere")
        let staleNumber = try BookingFixture.holdNumber(stale)
        #expect(try fixture.sql("SELECT count(*) FROM payments WHERE showtime_id = \(showtime) AND hold_no = \(staleNumber)")
            .first?.first == "0")
        #expect(try fixture.sql("SELECT count(*) FROM bookings WHERE user_id = \(buyers[1].id)").first?.first == "0")
        // A dropped its copy: its next request is turned away too.
        #expect(try a.request("GET", "/v1/showtimes/\(showtime)/seats", token: nil).errorCode == "showtime_owned_elsewhere")

        // B sells the seat A could not: once.
        let fresh = try #require(hold(on: b, ["C3"], token: buyers[2].token).object?["id"] as? String)
        #expect(try checkout(on: b, fresh, token: buyers[2].token).status == 201)
        #expect(try fixture.sql("SELECT count(*) FROM booked_seats WHERE showtime_id = \(showtime)").first?.first == "2")
        // Hold numbers continue past A's reserved block: no id repeats.
        let numbers = [try BookingFixture.holdNumber(first), staleNumber]
        #expect(try BookingFixture.holdNumber(fresh) > numbers.max()!)
        #expect(try BookingFixture.holdNumber(fresh) > 1_000, "past A's block")
    }
}

extension ShowtimeLeaseTests {
    @Test("a stale owner's cancellation is refused by fencing: the booking stays, on the new owner's map too")
    func staleCancel() throws {
        let buyer = try fixture.customers(1)[0]
        let held = try #require(hold(on: a, ["B2"], token: buyer.token).object?["id"] as? String)
        let booking = try #require(checkout(on: a, held, token: buyer.token).object?["id"] as? String)
        #expect(try takeOver())

        let cancel = try a.request("POST", "/v1/bookings/\(booking)/cancel", token: buyer.token)
        #expect(cancel.status == 503, "\(cancel)")
        #expect(cancel.errorCode == "showtime_owned_elsewhere")
        #expect(try fixture.sql("SELECT status FROM bookings WHERE user_id = \(buyer.id)").first?.first == "confirmed")
        #expect(try fixture.sql("SELECT count(*) FROM booked_seats WHERE showtime_id = \(showtime)").first?.first == "1")
        let onB = try b.request("GET", "/v1/showtimes/\(showtime)/seats", token: nil)
        let states = (onB.object?["seats"] as? [[String: Any]] ?? []).filter { $0["label"] as? String == "B2" }
        #expect(states.first?["state"] as? String == "booked")
    }

    @Test("a webhook that reaches another instance moves on the owner's checkout awaiting 3-D Secure")
    func webhookRelayed() throws {
        let buyer = try fixture.customers(1)[0]
        let held = try #require(hold(on: a, ["C3"], token: buyer.token).object?["id"] as? String)
        let pending = try fixture.checkout(held, method: "pm_card_threeDSecureRequired", token: buyer.token)
        #expect(pending.status == 202, "\(pending)")
        let intent = try fixture.intent(ofChallenge: pending)
        #expect(try fixture.authenticate(intent, succeeded: true) == "requires_capture")
        let metadata = ["showtime": String(showtime), "hold": String(try BookingFixture.holdNumber(held)),
                        "user": String(buyer.id), "attempt": "1"]
        let body = PaymentWebhookTests.event("evt_relay_1", "payment_intent.amount_capturable_updated", intent: intent, metadata: metadata)
        let client = try TestClient(port: b.port)
        try client.send("POST /v1/payments/stripe/webhook HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                        + "Stripe-Signature: \(PaymentWebhookTests.signature(body))\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
        #expect(try client.readResponse().status == 200)
        // Booked on A, by the relayed event: the buyer never confirmed. (The
        // capture's record is write-behind, a minute on A: the provider
        // tells it.)
        #expect(try fixture.eventually("SELECT status FROM bookings WHERE user_id = \(buyer.id)", equals: "confirmed"))
        #expect(try waitUntil(seconds: 5) { try fixture.mockIntent(intent) == "succeeded" })
        #expect(try lease().owner != "", "A still owns the showtime")
        let onA = try a.request("GET", "/v1/showtimes/\(showtime)/seats", token: nil)
        #expect((onA.object?["seats"] as? [[String: Any]] ?? []).first { $0["label"] as? String == "C3" }?["state"] as? String == "booked")
    }
}

@Suite("Showtime leases are renewed in the background", .serialized)
final class ShowtimeLeaseRenewalTests {
    @Test("a loaded showtime's lease is extended while it stays loaded, and a stolen lease drops the map")
    func renewal() throws {
        let server = try MarqueeTestServer(booking: { $0.leaseSeconds = 3 })
        defer { server.stop() }
        let fixture = try BookingFixture(server: server)
        #expect(try fixture.seats().status == 200)
        let expiry = "SELECT extract(epoch FROM expires_at)::float8 FROM showtime_leases WHERE showtime_id = \(fixture.showtime)"
        func expiresAt() throws -> Double { Double(((try fixture.sql(expiry).first?.first) ?? nil) ?? "") ?? 0 }
        let first = try expiresAt()
        #expect(first > 0)
        // Renewed every second; within the lease's three seconds either way.
        #expect(try waitUntil(seconds: 3) { try expiresAt() > first + 0.5 })

        _ = try fixture.sql("""
            UPDATE showtime_leases SET owner = 'another', fence = fence + 1, expires_at = now() + interval '1 hour'
            WHERE showtime_id = \(fixture.showtime)
            """)
        #expect(try waitUntil(seconds: 5) { try fixture.seats().errorCode == "showtime_owned_elsewhere" })
    }
}
