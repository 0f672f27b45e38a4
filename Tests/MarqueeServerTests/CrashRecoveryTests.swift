import Foundation
import Glibc
import MarqueeStore
import MarqueeTestSupport
import MarqueeUsers
import Testing

/// `kill -9` of the real binary in the middle of a checkout load, then a
/// restart on the same database: every booking acknowledged before the
/// kill is there, no seat is booked twice, payments are settled, and a
/// hold persisted before the kill comes back.
@Suite("Crash recovery", .serialized)
struct CrashRecoveryTests {
    static let secret = "crash-" + UUID().uuidString + "-secret"

    struct Booking {
        let id: String
        let seats: [String]
    }

    /// A fresh database seeded with the demo catalog, seven buyers, and a
    /// showtime days away in the biggest auditorium; dropped by `close`.
    struct Fixture {
        let admin: BlockingConnection
        let name: String
        let url: String
        let database: BlockingConnection
        let tokens: [String]
        let showtime: String
        var environment: [String: String] {
            // A short lease: a restart after kill -9 is a new instance, which
            // takes the showtime over once the dead one's lease runs out.
            ["DATABASE_URL": url, "JWT_SECRET": CrashRecoveryTests.secret, "MAX_HOLDS_PER_USER": "100", "LEASE_SECONDS": "2"]
        }

        func close() {
            database.close()
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            admin.close()
        }
    }

    func fixture() throws -> Fixture {
        let serverURL = try #require(TestDatabase.serverURL, "TEST_DATABASE_URL must point at PostgreSQL")
        let name = TestDatabase.uniqueName("crash")
        let admin = try BlockingConnection(url: serverURL)
        try admin.execute("CREATE DATABASE \(name)")
        let url = try #require(TestDatabase.url(database: name))
        let seed = Process()
        seed.executableURL = ServedProcess.binary
        seed.arguments = ["seed", "--demo"]
        seed.environment = ProcessInfo.processInfo.environment.merging(["DATABASE_URL": url]) { _, new in new }
        seed.standardError = FileHandle.nullDevice
        try seed.run()
        seed.waitUntilExit()
        #expect(seed.terminationStatus == 0)

        let database = try BlockingConnection(url: url)
        let signer = TokenSigner(secret: Array(Self.secret.utf8), lifetimeSeconds: 600)
        let tokens = try database.query("""
            INSERT INTO users (email, name, password_hash)
            SELECT 'crash' || g || '@example.com', 'Buyer', 'none' FROM generate_series(1, 7) g RETURNING id
            """).rows.map { signer.issue(userID: Int64($0[0]!)!, role: "customer", now: Int64(time(nil))).token }
        let showtime = try #require(database.query("""
            SELECT s.id FROM showtimes s JOIN auditoriums a ON a.id = s.auditorium_id
            WHERE s.starts_at > now() + interval '1 day' AND s.status = 'scheduled' ORDER BY a.seat_count DESC, s.id LIMIT 1
            """).scalar)
        return Fixture(admin: admin, name: name, url: url, database: database, tokens: tokens, showtime: showtime)
    }

    @Test("a graceful stop writes every hold it answered before it exits")
    func gracefulStopKeepsHolds() throws {
        let fixture = try fixture()
        defer { fixture.close() }
        let server = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "2"], environment: fixture.environment)
        try waitForDatabase(port: server.port)
        // Holds answered right before the stop: still within the write-behind gathering.
        var holds: [String] = []
        for token in fixture.tokens {
            let held = try request(port: server.port, "POST", "/v1/showtimes/\(fixture.showtime)/holds", #"{"best_available":{"count":1}}"#, token: token)
            holds.append(try #require(held.object?["id"] as? String, "\(held)"))
        }
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)
        let written = try fixture.database.query("""
            SELECT count(*) FROM holds WHERE showtime_id = $1 AND status = 'live'
              AND 'hld_' || showtime_id || '_' || hold_no = ANY($2::text[])
            """, [fixture.showtime, "{" + holds.joined(separator: ",") + "}"]).scalar
        #expect(written == String(holds.count), "every answered hold is in PostgreSQL after a graceful stop")
    }

    @Test("holds released before they were written leave no row, and their numbers are not given again after a restart")
    func unwrittenHoldNumbers() throws {
        let fixture = try fixture()
        defer { fixture.close() }
        let environment = fixture.environment
        var numbers: [Int] = []
        let first = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "2"], environment: environment)
        try waitForDatabase(port: first.port)
        for _ in 0..<10 {
            let held = try request(port: first.port, "POST", "/v1/showtimes/\(fixture.showtime)/holds", #"{"best_available":{"count":1}}"#,
                                   token: fixture.tokens[0])
            let id = try #require(held.object?["id"] as? String, "\(held)")
            numbers.append(try #require(id.split(separator: "_").last.flatMap { Int($0) }))
            #expect(try request(port: first.port, "DELETE", "/v1/holds/\(id)", nil, token: fixture.tokens[0]).status == 204)
        }
        first.signal(SIGTERM)
        #expect(first.waitForExit() == 0)
        #expect(try fixture.database.query("SELECT count(*) FROM holds WHERE showtime_id = $1 AND status = 'live'",
                                           [fixture.showtime]).scalar == "0", "no released hold is live in PostgreSQL")

        let second = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "2"], environment: environment)
        defer {
            second.signal(SIGTERM)
            _ = second.waitForExit()
        }
        try waitForDatabase(port: second.port)
        let held = try request(port: second.port, "POST", "/v1/showtimes/\(fixture.showtime)/holds", #"{"best_available":{"count":1}}"#,
                               token: fixture.tokens[0])
        let id = try #require(held.object?["id"] as? String, "\(held)")
        let number = try #require(id.split(separator: "_").last.flatMap { Int($0) })
        #expect(number > numbers.max()!, "hold \(number) after the restart; before it, up to \(numbers.max()!)")
    }

    @Test("acknowledged bookings survive kill -9; no seat is sold twice")
    func killDuringCheckouts() throws {
        let fixture = try fixture()
        defer { fixture.close() }
        let (database, tokens, showtime, environment) = (fixture.database, fixture.tokens, fixture.showtime, fixture.environment)
        let first = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "2"], environment: environment)
        try waitForDatabase(port: first.port)

        // A hold made before the kill, once its row is written behind.
        let kept = try request(port: first.port, "POST", "/v1/showtimes/\(showtime)/holds", #"{"best_available":{"count":1}}"#, token: tokens[0])
        let keptHold = try #require(kept.object?["id"] as? String, "\(kept)")
        let written = try pollUntil(seconds: 10) {
            try database.query("SELECT count(*) FROM holds WHERE status = 'live' AND 'hld_' || showtime_id || '_' || hold_no = $1",
                               [keptHold]).scalar == "1"
        }
        #expect(written, "the hold's row is written behind")

        // Six buyers hold two seats and check out, over and over, until the kill.
        let acknowledged = LockedArray<Booking>()
        let port = first.port
        let buyers = DispatchGroup()
        for token in tokens.dropFirst() {
            buyers.enter()
            Thread {
                defer { buyers.leave() }
                for _ in 0..<10_000 {
                    guard let held = try? request(port: port, "POST", "/v1/showtimes/\(showtime)/holds", #"{"best_available":{"count":2}}"#, token: token),
                          let hold = held.object?["id"] as? String,
                          let paid = try? request(port: port, "POST", "/v1/holds/\(hold)/checkout", #"{"payment_method":"pm_card_visa"}"#, token: token)
                    else { return }
                    if paid.status == 201, let id = paid.object?["id"] as? String, let seats = paid.object?["seats"] as? [String] {
                        acknowledged.append(Booking(id: id, seats: seats))
                    }
                }
            }.start()
        }
        // Kill while they are mid-flight: once some bookings are acknowledged,
        // long before the house (two seats a booking) could sell out.
        let capacity = Int(try database.query(
            "SELECT a.seat_count FROM showtimes s JOIN auditoriums a ON a.id = s.auditorium_id WHERE s.id = $1",
            [showtime]).scalar ?? "0") ?? 0
        _ = eventually(within: 5, pollingEvery: 5) { acknowledged.values.count >= 40 }
        let soldBeforeKill = acknowledged.values.count
        first.signal(SIGKILL)
        _ = first.waitForExit()
        buyers.wait()
        let before = acknowledged.values
        #expect(before.count > 10, "the load got going before the kill")
        #expect(soldBeforeKill < capacity / 2 - 20, "still selling at the kill (\(soldBeforeKill) bookings of \(capacity / 2))")

        let second = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "2"], environment: environment)
        defer {
            second.signal(SIGTERM)
            _ = second.waitForExit()
        }
        try waitForDatabase(port: second.port)
        // Loading the seat map settles payments a crash left open.
        // (Each shard connects on its own: retry until the owner's is up.)
        var map = try request(port: second.port, "GET", "/v1/showtimes/\(showtime)/seats", nil, token: nil)
        _ = try eventually(within: 5, pollingEvery: 50) {
            map = try request(port: second.port, "GET", "/v1/showtimes/\(showtime)/seats", nil, token: nil)
            return map.status != 503
        }
        #expect(map.status == 200, "\(map) \(second.log.suffix(2_000))")
        var states: [String: String] = [:]
        for seat in map.object?["seats"] as? [[String: Any]] ?? [] { states[seat["label"] as! String] = seat["state"] as? String }

        for booking in before {
            let row = try database.query("SELECT status, array_to_string(seat_labels, ',') FROM bookings WHERE 'bkg_' || showtime_id || '_' || booking_no = $1",
                                         [booking.id]).rows.first
            #expect(row?[0] == "confirmed", "acknowledged booking \(booking.id) is in the database")
            #expect(row?[1] == booking.seats.joined(separator: ","))
            #expect(booking.seats.allSatisfy { states[$0] == "booked" })
        }
        let confirmedSeats = try database.query("""
            SELECT coalesce(sum(cardinality(seats)), 0) FROM bookings WHERE showtime_id = $1 AND status = 'confirmed'
            """, [showtime]).scalar
        let rows = try database.query("SELECT count(*) FROM booked_seats WHERE showtime_id = $1", [showtime]).scalar
        #expect(confirmedSeats == rows, "each sold seat has exactly one row, and each row one confirmed booking")
        #expect(try database.query("SELECT count(*) FROM bookings WHERE payment_status = 'authorized'").scalar == "0",
                "no payment is left between authorisation and capture")
        #expect(try database.query("SELECT count(*) FROM payments WHERE status IN ('authorizing', 'authorized')").scalar == "0")
        #expect(try database.query("SELECT count(*) FROM payments WHERE status = 'captured' AND intent_id IS NULL").scalar == "0",
                "every captured attempt names its intent, also when the reconciler settled it")
        #expect(Set(before.flatMap(\.seats)).count == before.flatMap(\.seats).count)

        // Every committed booking, acknowledged or not (some were in flight
        // at the kill), is what the restarted map says is booked: no more, no less.
        let committed = try database.query("""
            SELECT 'bkg_' || showtime_id || '_' || booking_no, array_to_string(seat_labels, ',') FROM bookings
            WHERE showtime_id = $1 AND status = 'confirmed'
            """, [showtime]).rows.map { Booking(id: $0[0] ?? "?", seats: ($0[1] ?? "").split(separator: ",").map(String.init)) }
        let committedSeats = committed.flatMap(\.seats)
        #expect(committed.count >= before.count)
        #expect(Set(committedSeats).count == committedSeats.count, "no seat in two committed bookings")
        for booking in committed where !booking.seats.allSatisfy({ states[$0] == "booked" }) {
            Issue.record("committed booking \(booking.id) (\(booking.seats)) is not booked in the restarted map")
        }
        #expect(Set(states.filter { $0.value == "booked" }.keys) == Set(committedSeats), "the map books only committed seats")
        // Nor can they be held again, seat by seat.
        for seat in committedSeats {
            let again = try request(port: second.port, "POST", "/v1/showtimes/\(showtime)/holds", "{\"seats\":[\"\(seat)\"]}", token: tokens[0])
            let code = (again.object?["error"] as? [String: Any])?["code"] as? String
            #expect(again.status == 409 && code == "seats_unavailable", "\(seat), booked before the crash, held again: \(again)")
        }

        let back = try request(port: second.port, "GET", "/v1/holds/\(keptHold)", nil, token: tokens[0])
        #expect(back.status == 200, "a persisted hold comes back until it expires: \(back)")
    }

    @Test("kill -9 between authorisation and booking: the restarted server books and captures it at start, the seats being still the buyer's")
    func killBetweenAuthorizeAndBook() throws {
        let fixture = try fixture()
        defer { fixture.close() }
        let (database, showtime) = (fixture.database, fixture.showtime)
        // A provider that takes three seconds to authorise: the kill lands
        // while it does, the attempt committed, the booking not (the mock's
        // own memory dies with the process, as an answer lost in a crash).
        var slow = fixture.environment
        slow["PAYMENT_LATENCY_MS"] = "3000"
        let first = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "2"], environment: slow)
        try waitForDatabase(port: first.port)
        let held = try request(port: first.port, "POST", "/v1/showtimes/\(showtime)/holds", #"{"best_available":{"count":2}}"#,
                               token: fixture.tokens[0])
        let hold = try #require(held.object?["id"] as? String, "\(held)")
        let seats = try #require(held.object?["seats"] as? [String])
        let number = try #require(hold.split(separator: "_").last.map(String.init))
        #expect(try pollUntil(seconds: 10) {
            try database.query("SELECT count(*) FROM holds WHERE showtime_id = $1 AND hold_no = $2 AND status = 'live'",
                               [showtime, number]).scalar == "1"
        }, "the hold's row is written behind")

        // The checkout is sent and never read: the process dies under it.
        let buyer = try TestClient(port: first.port)
        let body = #"{"payment_method":"pm_card_visa"}"#
        try buyer.send("POST /v1/holds/\(hold)/checkout HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer \(fixture.tokens[0])\r\n"
                       + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        #expect(try pollUntil(seconds: 10) {
            try database.query("SELECT status FROM payments WHERE showtime_id = $1 AND hold_no = $2", [showtime, number]).scalar == "authorizing"
        }, "the attempt is committed before the provider answers")
        first.signal(SIGKILL)
        _ = first.waitForExit()
        #expect(try database.query("SELECT count(*) FROM bookings WHERE showtime_id = $1", [showtime]).scalar == "0", "killed before the booking")

        let second = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "2"], environment: fixture.environment)
        defer {
            second.signal(SIGTERM)
            _ = second.waitForExit()
        }
        // Nothing touches the showtime: the reconciliation at start settles it.
        let booking = "SELECT status || ':' || payment_status FROM bookings WHERE showtime_id = $1 AND booking_no = $2"
        #expect(try pollUntil(seconds: 20) { try database.query(booking, [showtime, number]).scalar == "confirmed:captured" },
                "\(second.log.suffix(2_000))")
        // The attempt's row follows the booking's in the next statement.
        let attempt = "SELECT status || ':' || (intent_id LIKE 'pi_mock_%') FROM payments WHERE showtime_id = $1 AND hold_no = $2"
        #expect(try pollUntil(seconds: 5) { try database.query(attempt, [showtime, number]).scalar == "captured:true" },
                "\((try? database.query(attempt, [showtime, number]).rows) ?? [])")
        #expect(try database.query("SELECT count(*) FROM booked_seats WHERE showtime_id = $1 AND booking_no = $2",
                                   [showtime, number]).scalar == "2")
        let mine = try request(port: second.port, "GET", "/v1/me/bookings", nil, token: fixture.tokens[0])
        let items = mine.object?["items"] as? [[String: Any]] ?? []
        #expect(items.count == 1 && items.first?["seats"] as? [String] == seats, "\(mine)")
        let map = try request(port: second.port, "GET", "/v1/showtimes/\(showtime)/seats", nil, token: nil)
        let booked = (map.object?["seats"] as? [[String: Any]] ?? []).filter { $0["state"] as? String == "booked" }.compactMap { $0["label"] as? String }
        #expect(Set(booked) == Set(seats))
    }

    func waitForDatabase(port: Int) throws {
        let ready = eventually(within: 5, pollingEvery: 25) {
            (try? request(port: port, "GET", "/readyz", nil, token: nil).status) == 200
        }
        if !ready { throw TestClient.Failure("server never became ready") }
    }

    func request(port: Int, _ method: String, _ path: String, _ json: String?, token: String?,
                 timeoutSeconds: Int = 5) throws -> TestClient.Response {
        let client = try TestClient(port: port, timeoutSeconds: timeoutSeconds)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: test\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if let json { head += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n" }
        try client.send(head + "\r\n" + (json ?? ""))
        return try client.readResponse()
    }
}
