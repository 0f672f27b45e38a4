import MarqueeLoop
import MarqueeTestSupport
import Testing

/// The seat map's one encoding per change (SeatMapEncoding), shared by
/// every reader, and an ended showtime's map answered without a reload
/// (to `/seats` readers and live watchers alike).
@Suite("Seat maps shared by their readers", .serialized)
final class SeatMapSharingTests {
    let clock = ManualClock(wallSeconds: SystemClock.wallSeconds())
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        let clock = clock
        fixture = try BookingFixture { config in
            config.clock = .manual(clock)
            config.evictAfterEndSeconds = 0
            // No renewal during a test: a change of the lease row is a reload.
            config.leaseSeconds = 3_600
        }
    }

    func encodings() throws -> Double {
        try server.request("GET", "/metrics", token: nil).text.split(separator: "\n")
            .filter { $0.hasPrefix("marquee_seat_map_encodings{shard=") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    @Test("reads at one seq share one encoding; a change makes the next read show it; each user's own seats are mine")
    func shared() throws {
        let buyers = try fixture.customers(2)
        let (alice, bob) = (buyers[0].token, buyers[1].token)
        #expect(try fixture.hold(["C4", "C5"], token: alice).status == 201)
        #expect(try fixture.hold(["D1"], token: bob).status == 201)
        let first = try fixture.seats()
        #expect(first.status == 200)
        let made = try encodings()
        #expect(made >= 1)
        #expect(try fixture.mine(token: alice) == ["C4", "C5"])
        #expect(try fixture.mine(token: bob) == ["D1"])
        #expect(try fixture.seats().text == first.text, "the same bytes to every reader without holds")
        #expect(try encodings() == made, "no new encoding at the same seq")

        // Bob's new hold replaces his first (one hold per showtime).
        #expect(try fixture.hold(["E8"], token: bob).status == 201)
        let states = try fixture.states()
        #expect(states["E8"] == "held" && states["D1"] == "free", "the next read shows the change")
        #expect(try encodings() == made + 1)
        #expect(try fixture.mine(token: bob) == ["E8"])
        #expect(try fixture.mine(token: alice) == ["C4", "C5"])
    }

    @Test("a hold whose expiry passes reads free on the next read, before the wheel's tick announces it")
    func expiry() throws {
        let alice = try fixture.customers(1)[0].token
        #expect(try fixture.hold(["E1"], token: alice).status == 201)
        #expect(try fixture.states()["E1"] == "held")
        clock.advance(seconds: 600)
        #expect(try fixture.states()["E1"] == "free", "an encoding stands only until its earliest held seat's expiry")
    }

    @Test("an ended showtime's map is answered after its eviction without reloading it, live watchers' too")
    func ended() throws {
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["B2"], token: buyer).object?["id"] as? String)
        #expect(try fixture.checkout(hold, token: buyer).status == 201)
        let before = try fixture.seatList()
        // Past its start and end (two hours later; evicted at once after it).
        clock.advance(seconds: 86_400 + 4 * 3_600)
        let gauge = { () throws -> Double in
            try self.server.request("GET", "/metrics", token: nil).text.split(separator: "\n")
                .filter { $0.hasPrefix("marquee_seat_map_ended_copies{shard=") }
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
        }
        #expect(try waitUntil(seconds: 5) { try gauge() == 1 }, "evicted, its map kept")
        let lease = "SELECT expires_at::text FROM showtime_leases WHERE showtime_id = \(fixture.showtime)"
        let leased = try fixture.sql(lease)
        for _ in 0..<3 {
            let after = try fixture.seatList(token: buyer)
            #expect(after.count == before.count)
            #expect(after.first { $0["label"] as? String == "B2" }?["state"] as? String == "booked")
        }
        #expect(try fixture.sql(lease) == leased, "no reload: the lease was not taken again")

        // The live map too: its final snapshot, then a normal close.
        let socket = try TestWebSocket(port: server.port, path: "/v1/showtimes/\(fixture.showtime)/live")
        let snapshot = try socket.read()
        #expect(snapshot.opcode == 1 && snapshot.text.hasPrefix(#"{"type":"snapshot","#), "\(snapshot.text.prefix(80))")
        #expect(snapshot.text.contains(#""label":"B2""#))
        let close = try socket.read()
        #expect(close.closeCode == 1000, "\(close)")
        #expect(String(decoding: close.payload.dropFirst(2), as: UTF8.self) == "showtime_ended")
        #expect(try fixture.sql(lease) == leased, "no reload for the live map either")
    }
}
