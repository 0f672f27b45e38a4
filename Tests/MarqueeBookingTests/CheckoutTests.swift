import Foundation
import MarqueeTestSupport
import Testing

@Suite("Checkout, bookings, idempotency, expiry, flash sale", .serialized)
final class CheckoutTests {
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        fixture = try BookingFixture()
    }

    @Test("a declined card answers 402 and keeps the hold; a good card books, durably, after capture")
    func checkout() throws {
        let buyer = try fixture.customers(1)[0]
        let hold = try #require(fixture.hold(["B3", "B4"], token: buyer.token).object?["id"] as? String)
        let declined = try fixture.checkout(hold, method: "pm_card_chargeDeclinedInsufficientFunds", token: buyer.token)
        #expect(declined.status == 402)
        #expect(declined.errorCode == "payment_declined")
        let details = (declined.object?["error"] as? [String: Any])?["details"] as? [String: Any]
        #expect(details?["decline_code"] as? String == "insufficient_funds")
        #expect(try server.request("GET", "/v1/holds/\(hold)", token: buyer.token).status == 200, "the hold is kept")
        #expect(try fixture.checkout(hold, method: "pm_nonsense", token: buyer.token).errorCode == "invalid_payment_method")

        let booked = try fixture.checkout(hold, token: buyer.token)
        #expect(booked.status == 201)
        let booking = try #require(booked.object)
        let id = try #require(booking["id"] as? String)
        #expect(booking["seats"] as? [String] == ["B3", "B4"])
        #expect(booking["total"] as? Int == 2000)
        #expect(booking["status"] as? String == "confirmed")
        #expect((booking["payment"] as? [String: Any])?["status"] as? String == "captured")
        // Acknowledged means committed: the rows are there now, not eventually.
        let rows = try fixture.sql("SELECT seat FROM booked_seats WHERE showtime_id = \(fixture.showtime) ORDER BY seat")
        #expect(rows.count == 2)
        #expect(try fixture.states()["B3"] == "booked")
        #expect(try server.request("GET", "/v1/holds/\(hold)", token: buyer.token).status == 404, "the hold became the booking")
        #expect(try fixture.checkout(hold, token: buyer.token).status == 404)

        let read = try server.request("GET", "/v1/bookings/\(id)", token: buyer.token)
        #expect(read.status == 200)
        #expect(read.object?["seats"] as? [String] == ["B3", "B4"])
        #expect((read.object?["showtime"] as? [String: Any])?["movie_title"] as? String == "Heat")
        #expect(try fixture.eventually("SELECT payment_status FROM bookings", equals: "captured"))
        let list = try server.request("GET", "/v1/me/bookings", token: buyer.token)
        #expect(list.items.compactMap { $0["id"] as? String } == [id])
        #expect(try server.request("GET", "/v1/me/bookings?limit=abc", token: buyer.token).status == 400)
        #expect(try server.request("GET", "/v1/me/bookings?page=2", token: buyer.token).errorCode == "unknown_parameter")

        let stranger = try fixture.customers(1)[0].token
        #expect(try server.request("GET", "/v1/bookings/\(id)", token: stranger).errorCode == "booking_not_found")
        #expect(try server.request("GET", "/v1/me/bookings", token: stranger).items.isEmpty)
        #expect(try server.request("POST", "/v1/bookings/\(id)/cancel", token: stranger).status == 404)
        #expect(try server.request("GET", "/v1/bookings/bkg_x", token: buyer.token).status == 404)
    }

    @Test("cancelling a booking frees its seats and refunds; twice is 409")
    func cancel() throws {
        let buyer = try fixture.customers(1)[0]
        let hold = try #require(fixture.hold(["C1"], token: buyer.token).object?["id"] as? String)
        let id = try #require(fixture.checkout(hold, token: buyer.token).object?["id"] as? String)
        let cancelled = try server.request("POST", "/v1/bookings/\(id)/cancel", token: buyer.token)
        #expect(cancelled.status == 200)
        #expect(cancelled.object?["status"] as? String == "cancelled")
        #expect((cancelled.object?["payment"] as? [String: Any])?["status"] as? String == "refunded")
        #expect(try fixture.states()["C1"] == "free")
        #expect(try fixture.sql("SELECT count(*) FROM booked_seats").first?.first ?? nil == "0")
        #expect(try server.request("POST", "/v1/bookings/\(id)/cancel", token: buyer.token).errorCode == "booking_already_cancelled")
        // The seat sells again.
        let again = try #require(fixture.hold(["C1"], token: buyer.token).object?["id"] as? String)
        #expect(try fixture.checkout(again, token: buyer.token).status == 201)
    }

    @Test("within BOOKING_CANCEL_CUTOFF_MINUTES (60) of the showtime a booking cannot be cancelled: 409 cancellation_cutoff_passed")
    func cancelCutoff() throws {
        let buyer = try fixture.customers(1)[0]
        // Starts in 30 minutes: inside the default cutoff of 60.
        let soon = try BookingFixture.addShowtime(server: server, movie: fixture.movie, auditorium: fixture.auditorium, startsInSeconds: 1_800)
        let hold = try #require(fixture.hold(["A1"], token: buyer.token, showtime: soon).object?["id"] as? String)
        let id = try #require(fixture.checkout(hold, token: buyer.token).object?["id"] as? String)
        let refused = try server.request("POST", "/v1/bookings/\(id)/cancel", token: buyer.token)
        #expect(refused.status == 409 && refused.errorCode == "cancellation_cutoff_passed", "\(refused)")
        #expect(((refused.object?["error"] as? [String: Any])?["details"] as? [String: Any])?["cutoff_minutes"] as? Int == 60)
        #expect(try server.request("GET", "/v1/bookings/\(id)", token: buyer.token).object?["status"] as? String == "confirmed")
    }

    @Test("Idempotency-Key replays the first answer; another body with the same key is 422")
    func idempotency() throws {
        let buyer = try fixture.customers(1)[0]
        let key = ["Idempotency-Key": "k-123"]
        let first = try fixture.hold(["E5"], token: buyer.token, headers: key)
        #expect(first.status == 201)
        let replay = try fixture.hold(["E5"], token: buyer.token, headers: key)
        #expect(replay.status == 201)
        #expect(replay.body == first.body)
        #expect(replay.headers["idempotent-replayed"] == "true")
        let reused = try fixture.hold(["E6"], token: buyer.token, headers: key)
        #expect(reused.status == 422)
        #expect(reused.errorCode == "idempotency_key_reused")
        // Keys are per user.
        let other = try fixture.customers(1)[0].token
        #expect(try fixture.hold(["E6"], token: other, headers: key).status == 201)

        let hold = try #require(first.object?["id"] as? String)
        let payKey = ["Idempotency-Key": "pay-1"]
        let paid = try fixture.checkout(hold, token: buyer.token, headers: payKey)
        #expect(paid.status == 201)
        let again = try fixture.checkout(hold, token: buyer.token, headers: payKey)
        #expect(again.status == 201 && again.body == paid.body)
        #expect(try fixture.sql("SELECT count(*) FROM bookings").first?.first ?? nil == "1")
        #expect(try fixture.checkout(hold, token: buyer.token, headers: ["Idempotency-Key": String(repeating: "x", count: 300)]).errorCode
                == "invalid_idempotency_key")
    }

    @Test("loading a seat map settles attempts a crash left: one authorised just before it, without its hold, is found again by its key and cancelled")
    func reconcilesUnfinishedAttempts() throws {
        let showtime = try fixture.anotherShowtime(inDays: 5)
        let user = try fixture.customers(1)[0].id
        // As a crash leaves them: committed before the provider was called
        // (no intent id), or after it answered; one older than the provider keeps keys.
        _ = try fixture.sql("""
            INSERT INTO payments (showtime_id, hold_no, attempt, user_id, amount_cents, currency, payment_method, intent_id, status, updated_at)
            VALUES (\(showtime), 901, 1, \(user), 2400, 'usd', 'pm_card_visa', NULL, 'authorizing', now()),
                   (\(showtime), 902, 1, \(user), 1200, 'usd', 'pm_card_chargeDeclined', NULL, 'authorizing', now()),
                   (\(showtime), 903, 1, \(user), 1200, 'usd', 'pm_card_visa', NULL, 'authorizing', now() - interval '2 days'),
                   (\(showtime), 904, 2, \(user), 1200, 'usd', 'pm_card_visa', 'pi_from_before', 'authorized', now())
            """)
        #expect(try server.request("GET", "/v1/showtimes/\(showtime)/seats", token: nil).status == 200)
        let rows = try fixture.sql("SELECT hold_no, status, intent_id FROM payments WHERE showtime_id = \(showtime) ORDER BY hold_no")
        #expect(rows.count == 4)
        #expect(rows[0][1] == "cancelled" && rows[0][2]?.hasPrefix("pi_mock_") == true,
                "authorised again with the same key, and that intent cancelled: \(rows[0])")
        #expect(rows[1][1] == "failed" && rows[1][2] == nil, "the card declines: nothing to cancel")
        #expect(rows[2][1] == "failed" && rows[2][2] == nil, "past the provider's key lifetime: not authorised again")
        #expect(rows[3][1] == "failed" && rows[3][2] == "pi_from_before", "an intent the provider does not know authorised nothing")
    }

    @Test("flash sale: hundreds of buyers race for the same seats; exactly one winner per seat, and the database agrees")
    func flashSale() throws {
        let buyers = try fixture.customers(300)
        let seats = ["C3", "C4", "C5", "C6"]
        // One thread per buyer, released together: hundreds of connections in flight at once.
        let results = LockedArray<(held: [String], booked: String?, status: Int)>()
        let fixture = self.fixture
        runConcurrently(buyers.count) { index in
            let buyer = buyers[index]
            // Half want C3+C4, half C5+C6: exactly one winner per pair.
            let start = index % 2 * 2
            let wanted = Array(seats[start..<(start + 2)])
            guard let response = try? fixture.hold(wanted, token: buyer.token, timeoutSeconds: 60) else { return results.append(([], nil, 0)) }
            guard response.status == 201, let hold = response.object?["id"] as? String else { return results.append(([], nil, response.status)) }
            let booked = try? fixture.checkout(hold, token: buyer.token, timeoutSeconds: 60)
            results.append((wanted, booked?.status == 201 ? booked?.object?["id"] as? String : nil, 201))
        }
        let outcomes = results.values
        let winners = outcomes.filter { $0.booked != nil }
        let sold = winners.flatMap(\.held)
        #expect(Set(sold).count == sold.count, "no seat sold twice")
        #expect(winners.count >= 2 && winners.count <= 2)
        #expect(outcomes.filter { $0.status == 409 }.count == buyers.count - outcomes.filter { $0.status == 201 }.count,
                "everyone else got a clean 409")
        let rows = try fixture.sql("""
            SELECT b.booking_no, array_to_string(b.seat_labels, ','), count(k.seat) FROM bookings b
            JOIN booked_seats k USING (showtime_id, booking_no) WHERE b.status = 'confirmed' GROUP BY 1, 2
            """)
        #expect(rows.count == winners.count)
        #expect(rows.allSatisfy { $0[2] == "2" }, "each booking has a seat row for each of its two seats: \(rows)")
        let databaseSeats = rows.flatMap { ($0[1] ?? "").split(separator: ",").map(String.init) }
        #expect(Set(databaseSeats) == Set(sold))
    }
}

@Suite("Hold rows at checkout", .serialized)
final class CheckoutHoldRowTests {
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        // A long write-behind gathering, so "checked out within it" is certain.
        fixture = try BookingFixture { config in config.writeBehindMilliseconds = 400 }
    }

    @Test("a hold checked out within the write-behind gathering never gets a row; one already written ends as booked")
    func holdRows() throws {
        let buyers = try fixture.customers(3)
        let holds = "SELECT coalesce(string_agg(hold_no || ':' || status, ',' ORDER BY hold_no), '') FROM holds WHERE showtime_id = \(fixture.showtime)"
        let quick = try #require(fixture.hold(["E1"], token: buyers[0].token).object?["id"] as? String)
        #expect(try fixture.checkout(quick, token: buyers[0].token).status == 201)
        let slow = try #require(fixture.hold(["E2"], token: buyers[1].token).object?["id"] as? String)
        #expect(try fixture.eventually(holds, equals: "2:live"), "the slow hold's row, once its gathering is over")
        #expect(try fixture.checkout(slow, token: buyers[1].token).status == 201)
        #expect(try fixture.eventually(holds, equals: "2:booked"))
        // Both bookings, their seats and their attempts are written either way.
        let bookings = "SELECT string_agg(booking_no || ':' || payment_status, ',' ORDER BY booking_no) FROM bookings WHERE showtime_id = \(fixture.showtime)"
        #expect(try fixture.eventually(bookings, equals: "1:captured,2:captured"))
        let attempts = "SELECT string_agg(hold_no || ':' || status, ',' ORDER BY hold_no) FROM payments WHERE showtime_id = \(fixture.showtime)"
        #expect(try fixture.eventually(attempts, equals: "1:captured,2:captured"))
        #expect(try fixture.sql("SELECT count(*) FROM booked_seats WHERE showtime_id = \(fixture.showtime)").first?.first ?? nil == "2")
        // Rows go out in the order they were queued: once a hold made now has
        // its row, a row of the quick hold would have been written too.
        #expect(try fixture.hold(["E3"], token: buyers[2].token).status == 201)
        #expect(try fixture.eventually(holds, equals: "2:booked,3:live"), "still no row for the quick hold")
    }
}
