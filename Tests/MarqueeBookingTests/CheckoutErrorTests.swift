import Foundation
import MarqueeLoop
import MarqueeStore
import MarqueeTestSupport
import Testing

/// Checkout's error answers, each produced on purpose with the mock
/// provider's test payment methods.
@Suite("Checkout errors from the payment provider", .serialized)
final class CheckoutErrorTests {
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        fixture = try BookingFixture()
    }

    @Test("a card that needs 3-D Secure is 402 authentication_required; the hold is kept and another card books it")
    func authenticationRequired() throws {
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["B3"], token: buyer).object?["id"] as? String)
        let refused = try fixture.checkout(hold, method: "4000002760003184", token: buyer)
        #expect(refused.status == 402)
        #expect(refused.errorCode == "authentication_required")
        #expect(((refused.object?["error"] as? [String: Any])?["details"] as? [String: Any])?["hold"] as? String == hold)
        let kept = try server.request("GET", "/v1/holds/\(hold)", token: buyer)
        #expect(kept.status == 200 && kept.object?["status"] as? String == "live", "the hold is kept, out of checkout: \(kept)")
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "cancelled:authentication_required" },
                "the intent is dropped: \((try? fixture.attempts(hold)) ?? "?")")
        #expect(try fixture.sql("SELECT intent_id LIKE 'pi_mock_%' FROM payments WHERE hold_no = \(BookingFixture.holdNumber(hold))") == [["t"]])
        #expect(try fixture.checkout(hold, token: buyer).status == 201)
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "cancelled:authentication_required,captured:-" })
    }

    @Test("a provider that cannot be reached is 502 payment_provider_error; the hold is kept and a retry books it")
    func providerError() throws {
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["B5", "B6"], token: buyer).object?["id"] as? String)
        let failed = try fixture.checkout(hold, method: "pm_mock_providerUnavailable", token: buyer)
        #expect(failed.status == 502)
        #expect(failed.errorCode == "payment_provider_error")
        let kept = try server.request("GET", "/v1/holds/\(hold)", token: buyer)
        #expect(kept.status == 200 && kept.object?["status"] as? String == "live", "the hold is kept, out of checkout: \(kept)")
        #expect(try fixture.mine(token: buyer) == ["B5", "B6"])
        // The outcome is unknown to the server: the attempt is left for the reconciler.
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "unknown:provider_error" },
                "the attempt: \((try? fixture.attempts(hold)) ?? "?")")
        #expect(try fixture.checkout(hold, token: buyer).status == 201)
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "unknown:provider_error,captured:-" })
    }

    @Test("a capture that fails cancels the booking: 402 payment_failed, the seats free, nothing sold")
    func captureFails() throws {
        let (buyer, other) = try { let c = try fixture.customers(2); return (c[0].token, c[1].token) }()
        let hold = try #require(fixture.hold(["C7", "C8"], token: buyer).object?["id"] as? String)
        let failed = try fixture.checkout(hold, method: "pm_mock_captureFails", token: buyer)
        #expect(failed.status == 402)
        #expect(failed.errorCode == "payment_failed")
        // The booking was committed before the capture, and is cancelled before the answer.
        let number = try BookingFixture.holdNumber(hold)
        #expect(try fixture.sql("SELECT status, payment_status FROM bookings WHERE booking_no = \(number)") == [["cancelled", "capture_failed"]])
        #expect(try fixture.sql("SELECT count(*) FROM booked_seats") == [["0"]])
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "failed:capture_failed" }, "the attempt: \((try? fixture.attempts(hold)) ?? "?")")
        let states = try fixture.states()
        #expect(states["C7"] == "free" && states["C8"] == "free")
        #expect(try server.request("GET", "/v1/holds/\(hold)", token: buyer).status == 404, "the hold went into the booking")
        #expect(try fixture.hold(["C7", "C8"], token: other).status == 201, "the seats sell again")
    }
}

/// A provider slow enough that a test can act while it authorises: the
/// attempt's row is committed before the provider is asked, so from the
/// moment it shows `authorizing` until the answer (2 s later, long enough
/// for a few requests even on a loaded machine) the hold is checking out.
@Suite("Checkout against a slow payment provider", .serialized)
final class SlowProviderCheckoutTests {
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        fixture = try BookingFixture { config in config.paymentLatencyMilliseconds = 2_000 }
    }

    @Test("while a hold checks out: a second checkout, a release and a change are 409 checkout_in_progress; a new hold is 429 hold_limit_reached")
    func checkoutInProgress() throws {
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["C1", "C2"], token: buyer).object?["id"] as? String)
        let fixture = self.fixture
        let first = InFlight { try fixture.checkout(hold, token: buyer, timeoutSeconds: 30) }
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "authorizing:-" })

        let second = try fixture.checkout(hold, token: buyer)
        #expect(second.status == 409)
        #expect(second.errorCode == "checkout_in_progress")
        #expect(try server.request("GET", "/v1/holds/\(hold)", token: buyer).object?["status"] as? String == "checking_out")
        #expect(try server.request("DELETE", "/v1/holds/\(hold)", token: buyer).errorCode == "checkout_in_progress")
        #expect(try server.request("PATCH", "/v1/holds/\(hold)", json: #"{"add":["C3"]}"#, token: buyer).errorCode == "checkout_in_progress")
        // One hold per showtime, and the only one is checking out: nothing to replace.
        let another = try fixture.hold(["D1"], token: buyer)
        #expect(another.status == 429)
        #expect(another.errorCode == "hold_limit_reached")
        #expect(try fixture.states()["D1"] == "free")

        let booked = try first.wait()
        #expect(booked.status == 201)
        #expect(booked.object?["seats"] as? [String] == ["C1", "C2"], "the checkout that ran is unchanged")
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "captured:-" }, "one attempt: \((try? fixture.attempts(hold)) ?? "?")")
    }

    @Test("the database lost during the booking's commit: 503 booking_outcome_unknown, then the payment is cancelled and the seats sell once")
    func bookingOutcomeUnknown() throws {
        let fixture = self.fixture
        let (buyer, other) = try { let c = try fixture.customers(2); return (c[0].token, c[1].token) }()
        let hold = try #require(fixture.hold(["D1", "D2"], token: buyer).object?["id"] as? String)
        let checkout = InFlight { try fixture.checkout(hold, token: buyer, timeoutSeconds: 30) }
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "authorizing:-" })

        // While the provider authorises, the server's connections are
        // terminated, and the database refuses new ones (the server would
        // otherwise reconnect within 100 ms, before the booking's commit).
        let database = server.databaseName
        try onCluster("ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS false")
        var allowed = false
        defer { if !allowed { _ = try? onCluster("ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS true") } }
        let terminated = try onCluster("""
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()
            """)
        #expect(Int((terminated.first?.first ?? nil) ?? "") ?? 0 >= 2, "a connection per shard: \(terminated)")
        let answer = try checkout.wait()
        try onCluster("ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS true")
        allowed = true
        #expect(answer.status == 503)
        #expect(answer.errorCode == "booking_outcome_unknown")
        #expect(answer.headers["retry-after"] == "2")

        // The showtime was forgotten: its next read reloads it from PostgreSQL
        // once the server has reconnected, settling the payment first (the
        // authorisation is found again by its key and cancelled).
        #expect(waitUntil(seconds: 30) {
            (try? server.request("GET", "/v1/showtimes/\(fixture.showtime)/seats", token: nil, timeoutSeconds: 30))?.status == 200
        })
        #expect(try fixture.attempts(hold) == "cancelled:-")
        #expect(try fixture.sql("SELECT intent_id LIKE 'pi_mock_%' FROM payments WHERE hold_no = \(BookingFixture.holdNumber(hold))") == [["t"]])
        #expect(try fixture.sql("SELECT count(*) FROM bookings") == [["0"]], "nothing was booked")
        #expect(try fixture.sql("SELECT count(*) FROM booked_seats") == [["0"]])
        let states = try fixture.states()
        #expect(states["D1"] != "booked" && states["D2"] != "booked")

        // The seats sell exactly once: the buyer holds them again (replacing
        // the old hold if the reload restored it) and books them; nobody else can.
        let again = try #require(fixture.hold(["D1", "D2"], token: buyer).object?["id"] as? String)
        #expect(try fixture.checkout(again, token: buyer, timeoutSeconds: 30).status == 201)
        #expect(try fixture.hold(["D1"], token: other).errorCode == "seats_unavailable")
        #expect(try fixture.sql("SELECT count(*) FROM booked_seats WHERE booking_no = \(BookingFixture.holdNumber(again))") == [["2"]])
        #expect(try fixture.sql("SELECT count(*) FROM bookings WHERE status = 'confirmed'") == [["1"]])
    }

    /// A statement on the cluster's own database, not the server's.
    private func onCluster(_ sql: String) throws -> [[String?]] {
        let admin = try BlockingConnection(url: try #require(TestDatabase.serverURL))
        defer { admin.close() }
        return try admin.query(sql).rows
    }
}

/// A payment window shorter than the provider takes, on a clock the test
/// moves: holds of two seconds, checkout extending them by one, and a
/// provider answering after three seconds of real time, during which the
/// engine's clock is moved past the hold's expiry.
@Suite("Checkout past the payment window", .serialized)
final class PaymentWindowTests {
    let clock = ManualClock(wallSeconds: SystemClock.wallSeconds())
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        let clock = clock
        fixture = try BookingFixture { config in
            config.clock = .manual(clock)
            config.holdTTLSeconds = 2
            config.paymentWindowSeconds = 1
            config.paymentLatencyMilliseconds = 3_000
        }
    }

    @Test("a hold that expires while the provider authorises is 409 hold_expired; the attempt is cancelled as hold_lost")
    func holdExpired() throws {
        let fixture = self.fixture
        let (buyer, other) = try { let c = try fixture.customers(2); return (c[0].token, c[1].token) }()
        let hold = try #require(fixture.hold(["A1"], token: buyer).object?["id"] as? String)
        let checkout = InFlight { try fixture.checkout(hold, token: buyer, timeoutSeconds: 30) }
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "authorizing:-" })
        // Still within the hold's two seconds: the seat is the buyer's.
        clock.advance(seconds: 1)
        #expect(try fixture.hold(["A1"], token: other).status == 409)
        // Past it (the payment window, one second, ends earlier), while the
        // provider is still authorising: the seat is free for others at once.
        clock.advance(seconds: 1)
        #expect(try fixture.hold(["A1"], token: other).status == 201)

        let answer = try checkout.wait()
        #expect(answer.status == 409)
        #expect(answer.errorCode == "hold_expired")
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "cancelled:hold_lost" }, "the attempt: \((try? fixture.attempts(hold)) ?? "?")")
        #expect(try fixture.sql("SELECT count(*) FROM bookings") == [["0"]], "nothing was booked")
        #expect(try fixture.states()["A1"] == "held", "the other buyer's hold, on a clock that has stopped")
        #expect(try fixture.mine(token: buyer).isEmpty)
        #expect(try server.request("GET", "/v1/holds/\(hold)", token: buyer).status == 404)
    }
}
