import Foundation
import MarqueeTestSupport
import Testing

/// Reconciliation without a request: each shard sweeps the showtimes it
/// owns at start and then every 200 ms here (a minute by default), and
/// failed refunds are retried after 3 s here (30 s by default).
@Suite("Payment reconciliation sweeps", .serialized)
final class PaymentReconciliationTests {
    let server: MarqueeTestServer
    let fixture: BookingFixture

    init() throws {
        server = try MarqueeTestServer { config in
            config.reconcileIntervalMilliseconds = 200
            config.refundRetryMilliseconds = 3_000
        }
        fixture = try BookingFixture(server: server)
    }
    deinit { server.stop() }

    /// The attention gauge summed over shards.
    func attentionGauge() throws -> Int {
        try server.request("GET", "/metrics", token: nil).text.split(separator: "\n")
            .filter { $0.hasPrefix("marquee_payments_attention{shard=") }
            .reduce(0) { $0 + (Int(Double($1.split(separator: " ").last ?? "") ?? 0)) }
    }

    func attentionList() throws -> [[String: Any]] {
        let response = try server.request("GET", "/v1/admin/payments?status=attention")
        try #require(response.status == 200, "\(response)")
        return response.items
    }

    @Test("a refund that fails is visible (admin list, /metrics) until a retry with backoff settles it")
    func failedRefundRetried() throws {
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["E2"], token: buyer).object?["id"] as? String)
        let booked = try fixture.checkout(hold, method: "pm_mock_refundFailsOnce", token: buyer)
        let id = try #require(booked.object?["id"] as? String, "\(booked)")
        let intent = try #require((booked.object?["payment"] as? [String: Any])?["intent"] as? String)
        let cancelled = try server.request("POST", "/v1/bookings/\(id)/cancel", token: buyer)
        #expect(cancelled.status == 200 && cancelled.object?["status"] as? String == "cancelled")
        #expect((cancelled.object?["payment"] as? [String: Any])?["status"] as? String == "refund_failed")
        #expect(try fixture.states()["E2"] == "free", "the seat is free while the refund is owed")

        // Before the retry is due (3 s after the failure; both reads take
        // well under a second, and a sweep every 200 ms updates the gauge).
        let listed = try attentionList()
        #expect(listed.count == 1 && listed.first?["booking"] as? String == id && listed.first?["kind"] as? String == "refund_failed",
                "\(listed)")
        #expect(try waitUntil(seconds: 2) { try attentionGauge() == 1 }, "gauge: \((try? attentionGauge()) ?? -1)")
        #expect(try fixture.mockIntent(intent) == "succeeded", "not refunded yet")

        // The retry refunds it, and nothing is left to watch.
        #expect(try fixture.eventually("SELECT payment_status FROM bookings WHERE payment_intent = '\(intent)'", equals: "refunded", seconds: 15))
        #expect(try fixture.mockIntent(intent) == "refunded")
        #expect(try attentionList().isEmpty)
        #expect(try waitUntil(seconds: 5) { try attentionGauge() == 0 })
        #expect(try server.request("GET", "/v1/admin/payments?status=all").errorCode == "invalid_parameter")
        #expect(try server.request("GET", "/v1/admin/payments?status=attention", token: buyer).status == 403)
    }

    @Test("a sweep settles a showtime nobody loads: an authorised attempt whose hold still holds its seats is booked and captured, one whose hold is gone is cancelled")
    func sweepBooksOrCancels() throws {
        let showtime = try fixture.anotherShowtime(inDays: 3)
        let user = try fixture.customers(1)[0].id
        // As a kill -9 between authorisation and booking leaves them: the
        // attempt committed without its intent; hold 7's row live with
        // seats 0 and 1 (A1, A2), hold 8's expired.
        _ = try fixture.sql("""
            INSERT INTO holds (showtime_id, hold_no, user_id, seats, expires_at, status) VALUES
                (\(showtime), 7, \(user), '{0,1}', now() + interval '5 minutes', 'live'),
                (\(showtime), 8, \(user), '{2}', now() - interval '1 minute', 'live')
            """)
        _ = try fixture.sql("""
            INSERT INTO payments (showtime_id, hold_no, attempt, user_id, amount_cents, currency, payment_method, status) VALUES
                (\(showtime), 7, 1, \(user), 3000, 'usd', 'pm_card_visa', 'authorizing'),
                (\(showtime), 8, 1, \(user), 1500, 'usd', 'pm_card_visa', 'authorizing');
            """)
        let attempts = "SELECT string_agg(hold_no || ':' || status || ':' || coalesce(error_code, '-'), ',' ORDER BY hold_no) FROM payments WHERE showtime_id = \(showtime)"
        #expect(try fixture.eventually(attempts, equals: "7:captured:-,8:cancelled:hold_lost", seconds: 10),
                "\((try? fixture.sql(attempts)) ?? [])")
        let booking = try fixture.sql("""
            SELECT status, payment_status, array_to_string(seat_labels, ','), total_cents, payment_intent LIKE 'pi_mock_%'
            FROM bookings WHERE showtime_id = \(showtime)
            """)
        #expect(booking == [["confirmed", "captured", "A1,A2", "3000", "t"]])
        #expect(try fixture.sql("SELECT status FROM holds WHERE showtime_id = \(showtime) ORDER BY hold_no") == [["booked"], ["live"]])
        let states = try server.request("GET", "/v1/showtimes/\(showtime)/seats", token: nil).object?["seats"] as? [[String: Any]] ?? []
        #expect(states.filter { $0["state"] as? String == "booked" }.compactMap { $0["label"] as? String } == ["A1", "A2"])
    }

    @Test("a sweep leaves a showtime another live instance leases to that instance, and settles it under its own lease once that one ends")
    func sweepRespectsLeases() throws {
        let showtime = try fixture.anotherShowtime(inDays: 3)
        let user = try fixture.customers(1)[0].id
        _ = try fixture.sql("""
            INSERT INTO showtime_leases (showtime_id, owner, owner_address, fence, expires_at)
            VALUES (\(showtime), 'another-instance', '127.0.0.1:1', 5, now() + interval '1 minute')
            """)
        _ = try fixture.sql("""
            INSERT INTO holds (showtime_id, hold_no, user_id, seats, expires_at, status)
            VALUES (\(showtime), 7, \(user), '{0,1}', now() + interval '5 minutes', 'live')
            """)
        _ = try fixture.sql("""
            INSERT INTO payments (showtime_id, hold_no, attempt, user_id, amount_cents, currency, payment_method, status)
            VALUES (\(showtime), 7, 1, \(user), 3000, 'usd', 'pm_card_visa', 'authorizing')
            """)
        // Five sweeps' time (one every 200 ms): the other owner's to settle.
        Thread.sleep(forTimeInterval: 1)
        let attempt = "SELECT status FROM payments WHERE showtime_id = \(showtime)"
        #expect(try fixture.sql(attempt) == [["authorizing"]])
        #expect(try fixture.sql("SELECT count(*) FROM bookings WHERE showtime_id = \(showtime)") == [["0"]])

        // The other instance is gone: the next sweep takes the lease (a
        // higher fence), settles, and lets the lease go again.
        _ = try fixture.sql("UPDATE showtime_leases SET expires_at = now() - interval '1 second' WHERE showtime_id = \(showtime)")
        #expect(try fixture.eventually(attempt, equals: "captured", seconds: 10))
        #expect(try fixture.sql("SELECT fence, owner <> 'another-instance', expires_at < now() FROM showtime_leases WHERE showtime_id = \(showtime)")
                == [["6", "t", "t"]])
        #expect(try fixture.sql("SELECT status, payment_status FROM bookings WHERE showtime_id = \(showtime)") == [["confirmed", "captured"]])
    }
}
