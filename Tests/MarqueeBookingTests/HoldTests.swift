import Foundation
import MarqueeTestSupport
import Testing

@Suite("Seat maps and holds over HTTP", .serialized)
final class HoldTests {
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        fixture = try BookingFixture { config in
            config.maxHoldsPerUser = 2
        }
    }

    @Test("the seat map lists every seat with row, column, category, price and state")
    func seatMap() throws {
        let response = try fixture.seats()
        #expect(response.status == 200)
        let object = try #require(response.object)
        #expect(object["showtime"] as? Int == fixture.showtime)
        #expect(object["seq"] as? Int == 0)
        let seats = try #require(object["seats"] as? [[String: Any]])
        #expect(seats.count == 40)
        let a1 = seats[0]
        #expect(a1["label"] as? String == "A1" && a1["row"] as? String == "A" && a1["column"] as? Int == 1)
        #expect(a1["category"] as? String == "premium" && a1["price_cents"] as? Int == 1500)
        #expect(seats[3]["aisle_after"] as? Bool == true)
        #expect(seats.allSatisfy { $0["state"] as? String == "free" && $0["mine"] as? Bool == false })
        #expect((object["counts"] as? [String: Int])?["free"] == 40)
        #expect(try server.get("/v1/showtimes/999999/seats").errorCode == "not_found")
    }

    @Test("a hold takes all its seats, shows as mine to its owner only, and releases")
    func holdAndRelease() throws {
        let (alice, bob) = try { let c = try fixture.customers(2); return (c[0].token, c[1].token) }()
        let held = try fixture.hold(["C4", "C5"], token: alice)
        #expect(held.status == 201)
        let hold = try #require(held.object)
        let id = try #require(hold["id"] as? String)
        #expect(hold["seats"] as? [String] == ["C4", "C5"])
        #expect(hold["total"] as? Int == 2000)
        #expect((hold["expires_at"] as? String)?.hasSuffix("Z") == true)

        #expect(try fixture.mine(token: alice) == ["C4", "C5"])
        #expect(try fixture.mine(token: bob).isEmpty)
        #expect(try fixture.seats().object?["seq"] as? Int == 1)

        // Overlap: nothing held, the taken seat named.
        let clash = try fixture.hold(["C5", "C6"], token: bob)
        #expect(clash.status == 409)
        #expect(clash.errorCode == "seats_unavailable")
        #expect(((clash.object?["error"] as? [String: Any])?["details"] as? [String: Any])?["seats"] as? [String] == ["C5"])
        #expect(try fixture.states()["C6"] == "free", "all or nothing")

        // Someone else's hold does not exist for them.
        #expect(try server.request("GET", "/v1/holds/\(id)", token: bob).status == 404)
        #expect(try server.request("DELETE", "/v1/holds/\(id)", token: bob).errorCode == "hold_not_found")
        #expect(try server.request("GET", "/v1/holds/\(id)", token: alice).object?["id"] as? String == id)

        // The hold's row is written (write-behind), so its release must be too.
        let rows = "SELECT status FROM holds WHERE showtime_id = \(fixture.showtime) AND hold_no = \(try BookingFixture.holdNumber(id))"
        #expect(try fixture.eventually(rows, equals: "live"))
        #expect(try server.request("DELETE", "/v1/holds/\(id)", token: alice).status == 204)
        #expect(try fixture.states()["C4"] == "free")
        #expect(try server.request("GET", "/v1/holds/\(id)", token: alice).status == 404)
        #expect(try fixture.hold(["C5", "C6"], token: bob).status == 201)
        // Once Bob's hold, queued after the release, is written, the release is too.
        #expect(try fixture.eventually("SELECT status FROM holds WHERE showtime_id = \(fixture.showtime) AND hold_no = 2", equals: "live"))
        #expect(try fixture.sql(rows) == [["released"]])
    }

    @Test("a second hold on the same showtime replaces the first; past the per-user limit, 429")
    func limits() throws {
        let token = try fixture.customers(1)[0].token
        let first = try #require(fixture.hold(["B1"], token: token).object?["id"] as? String)
        let second = try fixture.hold(["B2"], token: token)
        #expect(second.status == 201)
        #expect(second.object?["replaced"] as? String == first)
        #expect(try fixture.states()["B1"] == "free")
        #expect(try server.request("GET", "/v1/holds/\(first)", token: token).status == 404)

        let other = try fixture.anotherShowtime(inDays: 2)
        let third = try fixture.anotherShowtime(inDays: 3)
        #expect(try fixture.hold(["B1"], token: token, showtime: other).status == 201)
        let over = try fixture.hold(["B1"], token: token, showtime: third)
        #expect(over.status == 429)
        #expect(over.errorCode == "too_many_holds")
    }

    @Test("a replacement that fails leaves the replaced hold intact: its seats, its checkout, its release")
    func failedReplacementRestores() throws {
        let c = try fixture.customers(3)
        let (alice, bob, carol) = (c[0].token, c[1].token, c[2].token)
        let first = try #require(fixture.hold(["B1"], token: alice).object?["id"] as? String)
        #expect(try fixture.hold(["B2"], token: bob).status == 201)
        // One hold per showtime: Alice's next hold would replace B1, but B2 is taken.
        let refused = try fixture.hold(["B1", "B2"], token: alice)
        #expect(refused.status == 409)
        #expect(refused.errorCode == "seats_unavailable")
        let kept = try server.request("GET", "/v1/holds/\(first)", token: alice)
        #expect(kept.status == 200)
        #expect(kept.object?["seats"] as? [String] == ["B1"])
        #expect(try fixture.mine(token: alice) == ["B1"], "B1 is held by Alice's hold in the seat words")
        #expect(try fixture.hold(["B1"], token: carol).errorCode == "seats_unavailable", "and nobody else can take it")
        let booked = try fixture.checkout(first, token: alice)
        #expect(booked.status == 201)
        #expect(booked.object?["seats"] as? [String] == ["B1"])

        let carols = try #require(fixture.hold(["C1"], token: carol).object?["id"] as? String)
        #expect(try fixture.hold(["B2"], token: carol).errorCode == "seats_unavailable")
        #expect(try server.request("DELETE", "/v1/holds/\(carols)", token: carol).status == 204)
        #expect(try fixture.states()["C1"] == "free")
        #expect(try fixture.hold(["C1"], token: bob).status == 201, "released for good")
    }

    @Test("bad hold requests get a clear code and change nothing", arguments: [
        (#"{"seats":["Z9"]}"#, 422, "unknown_seats"),
        (#"{"seats":["A1","A1"]}"#, 400, "duplicate_seats"),
        (#"{"seats":[]}"#, 400, "invalid_field"),
        (#"{"seats":["A1","A2","A3","A4","A5","A6","A7","A8","B1","B2","B3"]}"#, 422, "too_many_seats"),
        (#"{"seats":["a1"]}"#, 400, "invalid_field"),
        (#"{"seats":[1]}"#, 400, "invalid_field"),
        (#"{"seats":["A1"],"best_available":{"count":1}}"#, 400, "invalid_field"),
        (#"{}"#, 400, "invalid_field"),
        (#"{"best_available":{"count":0}}"#, 400, "invalid_field"),
        (#"{"best_available":{"count":2,"category":"vip"}}"#, 422, "unknown_category"),
        (#"{"best_available":{"count":2,"extra":1}}"#, 400, "invalid_field"),
        (#"{"seat":["A1"]}"#, 400, "unknown_field"),
        (#"[1]"#, 400, "invalid_json"),
    ])
    func badHolds(body: String, status: Int, code: String) throws {
        let token = try fixture.customers(1)[0].token
        let response = try server.request("POST", "/v1/showtimes/\(fixture.showtime)/holds", json: body, token: token)
        #expect(response.status == status)
        #expect(response.errorCode == code)
        let states = try fixture.states()
        #expect(states.count == 40)
        #expect(states.values.allSatisfy { $0 == "free" })
    }

    @Test("holds need a token; unknown showtimes are 404; hold ids are opaque")
    func authAndIds() throws {
        #expect(try fixture.hold(["A1"], token: "nope").status == 401)
        #expect(try server.request("POST", "/v1/showtimes/\(fixture.showtime)/holds", json: #"{"seats":["A1"]}"#, token: nil).errorCode == "missing_token")
        let token = try fixture.customers(1)[0].token
        #expect(try fixture.hold(["A1"], token: token, showtime: 987_654).status == 404)
        for id in ["hld_1", "x", "hld_1_0", "hld_-1_2", "bkg_1_1", "hld_99999999999999999999_1"] {
            #expect(try server.request("GET", "/v1/holds/\(id)", token: token).errorCode == "hold_not_found")
        }
    }

    @Test("started and cancelled showtimes sell nothing")
    func closedShowtimes() throws {
        let token = try fixture.customers(1)[0].token
        let soon = try BookingFixture.addShowtime(server: server, movie: fixture.movie, auditorium: fixture.auditorium, startsInSeconds: 90)
        // Starts within a minute or two: make it start in the past directly.
        _ = try fixture.sql("UPDATE showtimes SET starts_at = now() - interval '5 minutes', ends_at = now() + interval '1 hour' WHERE id = \(soon)")
        let started = try fixture.hold(["A1"], token: token, showtime: soon)
        #expect(started.status == 409)
        #expect(started.errorCode == "showtime_started")

        let later = try fixture.anotherShowtime(inDays: 4)
        #expect(try fixture.hold(["A1"], token: token, showtime: later).status == 201)
        #expect(try server.request("PATCH", "/v1/showtimes/\(later)", json: #"{"status":"cancelled"}"#).status == 200)
        // The owner shard re-reads status on the catalog's change notice.
        var code: String?
        _ = try eventually(within: 5, pollingEvery: 20) {
            code = try fixture.hold(["A2"], token: token, showtime: later).errorCode
            return code == "showtime_cancelled"
        }
        #expect(code == "showtime_cancelled")
    }

    @Test("changing a hold adds and removes seats in one step, or not at all")
    func changeHold() throws {
        let (alice, bob) = try { let c = try fixture.customers(2); return (c[0].token, c[1].token) }()
        let id = try #require(fixture.hold(["D1", "D2"], token: alice).object?["id"] as? String)
        #expect(try fixture.hold(["D4"], token: bob).status == 201)
        let blocked = try server.request("PATCH", "/v1/holds/\(id)", json: #"{"add":["D3","D4"],"remove":["D1"]}"#, token: alice)
        #expect(blocked.status == 409)
        #expect(blocked.errorCode == "seats_unavailable")
        #expect(try fixture.states()["D1"] == "held" && fixture.states()["D3"] == "free")

        let changed = try server.request("PATCH", "/v1/holds/\(id)", json: #"{"add":["D3"],"remove":["D1"]}"#, token: alice)
        #expect(changed.status == 200)
        #expect(changed.object?["seats"] as? [String] == ["D2", "D3"])
        #expect(try fixture.states()["D1"] == "free")

        for (body, code) in [(#"{"remove":["D2","D3"]}"#, "empty_hold"), (#"{"remove":["E1"]}"#, "seats_not_in_hold"),
                             (#"{"add":["D2"]}"#, "seats_already_held"), (#"{"add":["Q1"]}"#, "unknown_seats"), (#"{}"#, "invalid_field")] {
            #expect(try server.request("PATCH", "/v1/holds/\(id)", json: body, token: alice).errorCode == code)
        }
        #expect(try server.request("PATCH", "/v1/holds/\(id)", json: #"{"add":["E1"]}"#, token: bob).status == 404)
    }

    @Test("best available: adjacent seats in the best row, centred; none left in one row is 409")
    func bestAvailable() throws {
        let token = try fixture.customers(1)[0].token
        let response = try server.request("POST", "/v1/showtimes/\(fixture.showtime)/holds", json: #"{"best_available":{"count":3}}"#, token: token)
        #expect(response.status == 201)
        let seats = try #require(response.object?["seats"] as? [String])
        #expect(seats.count == 3)
        #expect(Set(seats.map { $0.prefix(1) }).count == 1, "one row")
        let columns = seats.map { Int($0.dropFirst())! }.sorted()
        #expect(columns == Array(columns[0]...(columns[0] + 2)), "adjacent")
        #expect(columns.allSatisfy { $0 <= 4 } || columns.allSatisfy { $0 >= 5 }, "not across the aisle")

        let premium = try server.request("POST", "/v1/showtimes/\(fixture.showtime)/holds",
                                         json: #"{"best_available":{"count":2,"category":"premium"}}"#, token: token)
        #expect(premium.object?["seats"] as? [String] == ["A3", "A4"] || premium.object?["seats"] as? [String] == ["A5", "A6"])
        let none = try server.request("POST", "/v1/showtimes/\(fixture.showtime)/holds", json: #"{"best_available":{"count":5}}"#, token: token)
        #expect(none.status == 409)
        #expect(none.errorCode == "no_seats_available")
    }

    @Test("admins block seats; blocked seats cannot be held; held seats cannot be blocked")
    func blocks() throws {
        let token = try fixture.customers(1)[0].token
        let path = "/v1/showtimes/\(fixture.showtime)/seat-blocks"
        #expect(try server.request("POST", path, json: #"{"seats":["E1"]}"#, token: token).status == 403)
        let blocked = try server.request("POST", path, json: #"{"seats":["E1","E2"],"reason":"broken"}"#)
        #expect(blocked.status == 200)
        #expect(blocked.object?["blocked"] as? [String] == ["E1", "E2"])
        #expect(try fixture.states()["E1"] == "blocked")
        let refused = try fixture.hold(["E2", "E3"], token: token)
        #expect(refused.status == 409)
        #expect(refused.errorCode == "seats_blocked")
        #expect(try fixture.hold(["E3"], token: token).status == 201)
        let taken = try server.request("POST", path, json: #"{"seats":["E3","E4"]}"#)
        #expect(taken.errorCode == "seats_taken")
        #expect(try fixture.states()["E4"] == "free", "all or nothing")
        #expect(try fixture.sql("SELECT count(*) FROM seat_blocks").first?.first ?? nil == "2")
        #expect(try server.request("DELETE", "\(path)/E1").status == 204)
        #expect(try server.request("DELETE", "\(path)/E1").errorCode == "seat_not_blocked")
        #expect(try fixture.states()["E1"] == "free")
        #expect(try server.request("POST", path, json: #"{"seats":["Z1"]}"#).errorCode == "unknown_seats")
    }
}
