import Foundation
import Glibc
import MarqueeStore
import MarqueeTestSupport
import Testing

/// Two real `marquee serve` processes on one database: the owner of a
/// showtime is paused (SIGSTOP) past its lease in the middle of a checkout,
/// the other takes the showtime over, and the owner, resumed, can neither
/// serve its stale copy nor commit the booking.
extension CrashRecoveryTests {
    @Test("a paused owner loses its showtime to another instance; resumed, its checkout is refused by fencing")
    func pausedOwner() throws {
        let fixture = try fixture()
        defer { fixture.close() }
        // The checkout's authorisation takes a while, so the pause falls
        // between the attempt's commit and the booking's.
        var environment = fixture.environment
        environment["PAYMENT_LATENCY_MS"] = "1500"
        let a = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "2"], environment: environment)
        let b = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "2"], environment: environment)
        defer {
            for served in [a, b] {
                served.signal(SIGCONT)
                served.signal(SIGTERM)
                _ = served.waitForExit()
            }
        }
        try waitForDatabase(port: a.port)
        try waitForDatabase(port: b.port)
        let (database, showtime, token) = (fixture.database, fixture.showtime, fixture.tokens[0])
        func scalar(_ sql: String) throws -> String? { try database.query(sql, [showtime]).scalar }

        let held = try request(port: a.port, "POST", "/v1/showtimes/\(showtime)/holds", #"{"best_available":{"count":2}}"#, token: token)
        let hold = try #require(held.object?["id"] as? String, "\(held)")
        #expect(waitUntil(seconds: 5) { (try? scalar("SELECT count(*) FROM holds WHERE showtime_id = $1")) == "1" })
        let before = try #require(database.query("SELECT owner, fence FROM showtime_leases WHERE showtime_id = $1", [showtime]).rows.first)
        let refused = try request(port: b.port, "GET", "/v1/showtimes/\(showtime)/seats", nil, token: nil)
        #expect((refused.object?["error"] as? [String: Any])?["code"] as? String == "showtime_owned_elsewhere", "\(refused)")

        let checkout = InFlight { [self] in
            try request(port: a.port, "POST", "/v1/holds/\(hold)/checkout", #"{"payment_method":"pm_card_visa"}"#, token: token,
                        timeoutSeconds: 30)
        }
        #expect(waitUntil(seconds: 5) { (try? scalar("SELECT count(*) FROM payments WHERE showtime_id = $1")) == "1" })
        a.signal(SIGSTOP)
        let paused = ContinuousClock.now

        // B takes the showtime once A's lease (2 s) runs out.
        var map = try request(port: b.port, "GET", "/v1/showtimes/\(showtime)/seats", nil, token: nil)
        #expect(waitUntil(seconds: 10) {
            map = (try? request(port: b.port, "GET", "/v1/showtimes/\(showtime)/seats", nil, token: nil)) ?? map
            return map.status == 200
        })
        let takeover = ContinuousClock.now - paused
        let after = try #require(database.query("SELECT owner, fence FROM showtime_leases WHERE showtime_id = $1", [showtime]).rows.first)
        #expect(after[0] != before[0])
        #expect(Int(after[1] ?? "") == Int(before[1] ?? "")! + 1)
        // The lease (2 s), then B's load, which first settles the paused
        // checkout's attempt with the provider (authorise and capture,
        // 1.5 s each); with
        // room for a machine shared with other builds.
        #expect(takeover < .seconds(10), "takeover took \(takeover)")
        print("lease takeover after SIGSTOP: \(takeover)")

        // A request queued while A is stopped is read as soon as it resumes,
        // before any renewal could answer: A must not serve its old copy.
        let stale = try TestClient(port: a.port, timeoutSeconds: 30)
        try stale.send("GET /v1/showtimes/\(showtime)/seats HTTP/1.1\r\nHost: test\r\n\r\n")
        a.signal(SIGCONT)
        let staleAnswer = try stale.readResponse()
        #expect((staleAnswer.object?["error"] as? [String: Any])?["code"] as? String == "showtime_owned_elsewhere", "\(staleAnswer)")
        let answer = try checkout.wait()
        #expect(answer.status != 201, "a stale owner acknowledged a booking: \(answer)")
        #expect((answer.object?["error"] as? [String: Any])?["code"] as? String == "showtime_owned_elsewhere", "\(answer)")
        // The checkout A began moved with the showtime: B's load found its
        // attempt, authorised it again under the same idempotency key (an
        // answer lost with A) and, the seats being still the buyer's,
        // booked and captured it, once. The hold is spent.
        #expect(try pollUntil(seconds: 10) {
            try scalar("SELECT string_agg(status || ':' || payment_status, ',') FROM bookings WHERE showtime_id = $1") == "confirmed:captured"
        })
        #expect(try scalar("SELECT count(*) FROM booked_seats WHERE showtime_id = $1") == "2")
        let again = try request(port: b.port, "POST", "/v1/holds/\(hold)/checkout", #"{"payment_method":"pm_card_visa"}"#, token: token,
                                timeoutSeconds: 30)
        #expect(again.status == 404, "\(again)")
        let mine = try request(port: b.port, "GET", "/v1/me/bookings", nil, token: token)
        #expect(mine.items.count == 1, "\(mine)")
        let next = try request(port: b.port, "POST", "/v1/showtimes/\(showtime)/holds", #"{"best_available":{"count":1}}"#,
                               token: fixture.tokens[1])
        let number = try #require((next.object?["id"] as? String)?.split(separator: "_").last.flatMap { Int($0) }, "\(next)")
        #expect(number > 1_000, "hold \(number) after the takeover repeats none of A's block")
    }
}
