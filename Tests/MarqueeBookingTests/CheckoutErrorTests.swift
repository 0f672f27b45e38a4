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

    @Test("3-D Secure: 202 requires_action with a client secret, the hold waits; after authentication, confirm books it")
    func threeDSecureConfirmed() throws {
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["B3"], token: buyer).object?["id"] as? String)
        let pending = try fixture.checkout(hold, method: "pm_card_threeDSecureRequired", token: buyer)
        #expect(pending.status == 202, "\(pending)")
        #expect(pending.object?["status"] as? String == "requires_action")
        #expect(pending.object?["hold"] as? String == hold)
        #expect((pending.object?["next_action"] as? [String: Any])?["type"] as? String == "use_stripe_sdk")
        let intent = try fixture.intent(ofChallenge: pending)
        let kept = try server.request("GET", "/v1/holds/\(hold)", token: buyer)
        #expect(kept.status == 200 && kept.object?["status"] as? String == "checking_out", "the hold waits: \(kept)")
        #expect(try server.request("DELETE", "/v1/holds/\(hold)", token: buyer).errorCode == "checkout_in_progress")
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "requires_action:-" },
                "the attempt: \((try? fixture.attempts(hold)) ?? "?")")

        // Confirmed before the bank page is done: still waiting, the same challenge.
        let early = try fixture.confirm(hold, token: buyer)
        #expect(early.status == 202 && early.object?["client_secret"] as? String == pending.object?["client_secret"] as? String)

        #expect(try fixture.authenticate(intent, succeeded: true) == "requires_capture")
        let booked = try fixture.confirm(hold, token: buyer)
        #expect(booked.status == 201, "\(booked)")
        #expect(booked.object?["seats"] as? [String] == ["B3"])
        #expect((booked.object?["payment"] as? [String: Any])?["status"] as? String == "captured")
        #expect(try fixture.mockIntent(intent) == "succeeded")
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "captured:-" })
        // A confirm after the booking answers the booking.
        let again = try fixture.confirm(hold, token: buyer)
        #expect(again.status == 200 && again.object?["status"] as? String == "confirmed", "\(again)")
    }

    @Test("3-D Secure failed: 402 payment_declined, the intent cancelled, the hold kept; another card books it")
    func threeDSecureFailed() throws {
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["B4"], token: buyer).object?["id"] as? String)
        let pending = try fixture.checkout(hold, method: "4000002760003184", token: buyer)
        #expect(pending.status == 202)
        let intent = try fixture.intent(ofChallenge: pending)
        #expect(try fixture.authenticate(intent, succeeded: false) == "requires_payment_method")
        let declined = try fixture.confirm(hold, token: buyer)
        #expect(declined.status == 402)
        #expect(declined.errorCode == "payment_declined")
        let details = (declined.object?["error"] as? [String: Any])?["details"] as? [String: Any]
        #expect(details?["decline_code"] as? String == "payment_intent_authentication_failure")
        let kept = try server.request("GET", "/v1/holds/\(hold)", token: buyer)
        #expect(kept.status == 200 && kept.object?["status"] as? String == "live", "the hold is kept, out of checkout: \(kept)")
        #expect(try waitUntil(seconds: 5) { try fixture.mockIntent(intent) == "canceled" }, "the intent is cancelled")
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "declined:payment_intent_authentication_failure" },
                "the attempt: \((try? fixture.attempts(hold)) ?? "?")")
        #expect(try fixture.confirm(hold, token: buyer).errorCode == "no_authentication_pending")
        #expect(try fixture.checkout(hold, token: buyer).status == 201)
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "declined:payment_intent_authentication_failure,captured:-" })
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
        // The authorisation is cancelled too: nothing stays reserved on the card.
        let intent = try #require(try fixture.sql("SELECT intent_id FROM payments WHERE hold_no = \(number)").first?.first ?? nil)
        #expect(try waitUntil(seconds: 5) { try fixture.mockIntent(intent) == "canceled" }, "the intent: \((try? fixture.mockIntent(intent)) ?? "?")")
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

    @Test("cancelling while the capture is in flight is 409 payment_in_progress; once captured, the cancel refunds it")
    func cancelDuringCapture() throws {
        let fixture = self.fixture
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["E7"], token: buyer).object?["id"] as? String)
        let number = try BookingFixture.holdNumber(hold)
        let checkout = InFlight { try fixture.checkout(hold, token: buyer, timeoutSeconds: 30) }
        // The booking's row is committed before the capture is asked for,
        // which then takes the provider's two seconds.
        #expect(try waitUntil(seconds: 10) { try fixture.sql("SELECT count(*) FROM bookings WHERE booking_no = \(number)") == [["1"]] })
        let early = try server.request("POST", "/v1/bookings/bkg_\(fixture.showtime)_\(number)/cancel", token: buyer)
        #expect(early.status == 409 && early.errorCode == "payment_in_progress", "\(early)")
        let booked = try checkout.wait()
        #expect(booked.status == 201, "the capture went on: \(booked)")
        #expect(try fixture.states()["E7"] == "booked", "the refused cancel freed nothing")

        let cancelled = try server.request("POST", "/v1/bookings/bkg_\(fixture.showtime)_\(number)/cancel", token: buyer, timeoutSeconds: 30)
        #expect(cancelled.status == 200, "\(cancelled)")
        #expect((cancelled.object?["payment"] as? [String: Any])?["status"] as? String == "refunded")
        let intent = try #require((booked.object?["payment"] as? [String: Any])?["intent"] as? String)
        #expect(try fixture.mockIntent(intent) == "refunded", "the captured payment is refunded, not left for freed seats")
        #expect(try fixture.states()["E7"] == "free")
    }

    @Test("the database lost during the booking's commit: 503 booking_outcome_unknown, then the booking is written again and captured, once")
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

        // The map was kept, the seats booked in it; once the server has
        // reconnected the booking is written again (it had not landed) and
        // the payment captured, as the 503 promised the buyer might find.
        #expect(waitUntil(seconds: 30) {
            (try? server.request("GET", "/v1/showtimes/\(fixture.showtime)/seats", token: nil, timeoutSeconds: 30))?.status == 200
        })
        #expect(try waitUntil(seconds: 10) { try fixture.attempts(hold) == "captured:-" }, "the attempt: \((try? fixture.attempts(hold)) ?? "?")")
        #expect(try fixture.sql("SELECT intent_id LIKE 'pi_mock_%' FROM payments WHERE hold_no = \(BookingFixture.holdNumber(hold))") == [["t"]])
        let number = try BookingFixture.holdNumber(hold)
        #expect(try fixture.sql("SELECT status, payment_status FROM bookings WHERE booking_no = \(number)") == [["confirmed", "captured"]])
        #expect(try fixture.sql("SELECT count(*) FROM booked_seats WHERE booking_no = \(number)") == [["2"]])
        let list = try server.request("GET", "/v1/me/bookings", token: buyer)
        #expect(list.items.compactMap { $0["id"] as? String } == ["bkg_\(fixture.showtime)_\(number)"], "the buyer finds it")
        let states = try fixture.states()
        #expect(states["D1"] == "booked" && states["D2"] == "booked")

        // The seats are sold exactly once: nobody can hold them again.
        #expect(try fixture.hold(["D1"], token: other).errorCode == "seats_unavailable")
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

/// A payment window of two seconds: long enough for the 202, short enough
/// to watch a buyer who never finishes 3-D Secure.
@Suite("3-D Secure past the payment window", .serialized)
final class AuthenticationWindowTests {
    let server: MarqueeTestServer
    let fixture: BookingFixture

    init() throws {
        server = try MarqueeTestServer { config in
            config.holdTTLSeconds = 2
            config.paymentWindowSeconds = 2
        }
        fixture = try BookingFixture(server: server)
    }
    deinit { server.stop() }

    @Test("3-D Secure never finished: at the window's end the intent is cancelled and the hold expires")
    func authenticationExpired() throws {
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["C4"], token: buyer).object?["id"] as? String)
        let pending = try fixture.checkout(hold, method: "pm_card_threeDSecureRequired", token: buyer)
        #expect(pending.status == 202)
        let intent = try fixture.intent(ofChallenge: pending)
        // Two seconds of window, a wheel tick of a quarter second, and a margin for a loaded machine.
        #expect(try waitUntil(seconds: 8) { try fixture.attempts(hold) == "cancelled:authentication_expired" },
                "the attempt: \((try? fixture.attempts(hold)) ?? "?")")
        #expect(try fixture.mockIntent(intent) == "canceled")
        #expect(try server.request("GET", "/v1/holds/\(hold)", token: buyer).status == 404)
        #expect(try fixture.states()["C4"] == "free")
        #expect(try fixture.authenticate(intent, succeeded: true) == nil, "nothing left to authenticate")
        #expect(try fixture.confirm(hold, token: buyer).errorCode == "hold_not_found")
        #expect(try fixture.sql("SELECT count(*) FROM bookings") == [["0"]])
    }
}
