import Foundation
import MarqueeStore
import MarqueeTestSupport
import Testing

/// One buyer's booking commit meets a database blip: the other buyers of
/// the showtime keep what they were told. The buyer whose commit fails
/// passes 3-D Secure, so that commit can be timed by the test (it comes
/// with the confirm). The map is not dropped: the booking of unknown
/// outcome is written again until it is known, then captured.
@Suite("A database blip during one buyer's booking commit", .serialized)
final class DatabaseBlipTests {
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        // A lease that outlasts the blip (renewals fail while it lasts):
        // the test is about the blip, not about a lease running out.
        let server = try MarqueeTestServer(booking: { $0.leaseSeconds = 120 }, server: { $0.drainTimeoutMilliseconds = 2_000 })
        fixture = try BookingFixture(server: server)
    }

    @Test("tokens are checked on every shard during the blip, though none had an authenticated request before it")
    func tokensCheckedWithoutDatabase() throws {
        let fixture = self.fixture
        // Sign-up and login carry no token; the map is loaded anonymously.
        let buyer = try fixture.customers(1)[0].token
        for _ in 0..<8 { #expect(try fixture.seats().status == 200) }
        let blip = try DatabaseBlip(server)
        defer { blip.end() }
        // Connections land on either shard: each checks the token against
        // the revocation list it loaded at start, not the database.
        for _ in 0..<16 {
            let read = try fixture.seats(token: buyer)
            #expect(read.status == 200, "\(read)")
        }
    }

    @Test("a server stopped while a booking settles with the database away still stops, within its drain time")
    func stopWhileSettling() throws {
        let fixture = self.fixture
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["D5", "D6"], token: buyer).object?["id"] as? String)
        let pending = try fixture.checkout(hold, method: "pm_card_threeDSecureRequired", token: buyer)
        #expect(pending.status == 202, "\(pending)")
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "requires_action:-" })
        #expect(try fixture.authenticate(try fixture.intent(ofChallenge: pending), succeeded: true) == "requires_capture")

        let blip = try DatabaseBlip(server)
        defer { blip.end() }
        let lost = try fixture.confirm(hold, token: buyer)
        #expect(lost.status == 503 && lost.errorCode == "booking_outcome_unknown", "\(lost)")
        // Stopped from another thread, so a stop that never ends fails the test instead of hanging it.
        nonisolated(unsafe) let server = self.server
        let stopping = InFlight { server.stop() }
        #expect(waitUntil(seconds: 20) { stopping.isDone }, "the settling checkout's retries kept the shard's loop alive")
    }

    @Test("""
        the map stays, with a hold acknowledged during the blip, which is written once the database \
        is back; the unknown booking is settled, booked once; another buyer's 3-D Secure checkout goes on
        """)
    func othersKeepTheirHoldsAndCheckouts() throws {
        let fixture = self.fixture
        let buyers = try fixture.customers(3)
        let (first, second, third) = (buyers[0].token, buyers[1].token, buyers[2].token)
        // The second buyer's checkout waits for 3-D Secure across the blip.
        let waiting = try #require(fixture.hold(["E1"], token: second).object?["id"] as? String)
        let challenge = try fixture.checkout(waiting, method: "pm_card_threeDSecureRequired", token: second)
        #expect(challenge.status == 202, "\(challenge)")
        let waitingIntent = try fixture.intent(ofChallenge: challenge)
        // The first buyer's commit is the one that meets the blip.
        let failing = try #require(fixture.hold(["D1", "D2"], token: first).object?["id"] as? String)
        let pending = try fixture.checkout(failing, method: "pm_card_threeDSecureRequired", token: first)
        #expect(pending.status == 202, "\(pending)")
        let failingIntent = try fixture.intent(ofChallenge: pending)
        #expect(try waitUntil(seconds: 5) {
            try fixture.attempts(failing) == "requires_action:-" && fixture.attempts(waiting) == "requires_action:-"
                && fixture.sql("SELECT count(*) FROM holds WHERE status = 'live'") == [["2"]]
        }, "both checkouts recorded")
        #expect(try fixture.authenticate(failingIntent, succeeded: true) == "requires_capture")

        let blip = try DatabaseBlip(server)
        defer { blip.end() }
        // Acknowledged while the database is away: the map answers from memory.
        let acknowledged = try fixture.hold(["C5"], token: third)
        #expect(acknowledged.status == 201, "\(acknowledged)")
        let acknowledgedNumber = try BookingFixture.holdNumber(try #require(acknowledged.object?["id"] as? String))
        let lost = try fixture.confirm(failing, token: first)
        #expect(lost.status == 503 && lost.errorCode == "booking_outcome_unknown", "\(lost)")
        // Still away: the map keeps the seats as acknowledged, nobody gets them.
        var states = try fixture.states()
        #expect(states["D1"] == "booked" && states["C5"] == "held", "\(states)")
        #expect(try fixture.hold(["D2"], token: third).errorCode == "seats_unavailable")
        blip.end()

        let number = try BookingFixture.holdNumber(failing)
        #expect(try waitUntil(seconds: 30) { try fixture.attempts(failing) == "captured:-" },
                "the commit of unknown outcome is settled: \((try? fixture.attempts(failing)) ?? "?")")
        #expect(try fixture.sql("SELECT status, payment_status FROM bookings WHERE booking_no = \(number)") == [["confirmed", "captured"]])
        #expect(try fixture.sql("SELECT count(*) FROM booked_seats WHERE booking_no = \(number)") == [["2"]])
        #expect(try fixture.mockIntent(failingIntent) == "succeeded", "captured once, never cancelled")
        #expect(try waitUntil(seconds: 10) {
            try fixture.sql("SELECT status FROM holds WHERE hold_no = \(acknowledgedNumber)") == [["live"]]
        }, "the hold acknowledged during the blip is written")
        states = try fixture.states()
        #expect(states["C5"] == "held", "\(states["C5"] ?? "?")")
        #expect(states["D1"] == "booked" && states["D2"] == "booked")
        #expect(try fixture.mine(token: third) == ["C5"])
        #expect(try fixture.hold(["C5"], token: first).errorCode == "seats_unavailable", "nobody else gets the acknowledged seat")

        // The other buyer's checkout was not cancelled: 3-D Secure finishes it.
        #expect(try fixture.mockIntent(waitingIntent) == "requires_action", "the waiting checkout's intent is untouched")
        let kept = try server.request("GET", "/v1/holds/\(waiting)", token: second)
        #expect(kept.object?["status"] as? String == "checking_out", "\(kept)")
        #expect(try fixture.authenticate(waitingIntent, succeeded: true) == "requires_capture")
        let booked = try fixture.confirm(waiting, token: second)
        #expect(booked.status == 201, "\(booked)")
        #expect(try fixture.states()["E1"] == "booked")
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(waiting) == "captured:-" },
                "the attempt: \((try? fixture.attempts(waiting)) ?? "?")")
        #expect(try fixture.sql("SELECT count(*) FROM bookings WHERE status = 'confirmed'") == [["2"]])
    }
}

/// A full queue to the database is not a lost answer: the booking was
/// never sent, so the buyer hears so, keeps the hold and may retry. One
/// shard with a small queue; the queue fills with reads that wait behind a
/// lock the test takes on `bookings`, while the provider authorises.
@Suite("A booking commit the full database queue never sent", .serialized)
final class DatabaseQueueFullTests {
    static let queueLimit = 8
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        let server = try MarqueeTestServer(shards: 1, booking: { config in config.paymentLatencyMilliseconds = 2_000 },
                                           server: { config in config.databaseQueueLimit = Self.queueLimit })
        fixture = try BookingFixture(server: server)
    }

    @Test("503 booking_not_sent with Retry-After: nothing booked, the authorisation cancelled, the hold kept; a retry books it")
    func bookingNotSent() throws {
        let fixture = self.fixture
        let server = self.server
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["C1", "C2"], token: buyer).object?["id"] as? String)
        let checkout = InFlight { try fixture.checkout(hold, token: buyer, timeoutSeconds: 30) }
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "authorizing:-" })

        let lock = try BlockingConnection(url: server.databaseURL)
        var locked = true
        defer { if locked { _ = try? lock.query("ROLLBACK") }; lock.close() }
        _ = try lock.query("BEGIN")
        _ = try lock.query("LOCK TABLE bookings IN ACCESS EXCLUSIVE MODE")
        // Reads that wait behind the lock fill the shard's queue; the
        // first one refused at once (503) shows it is full.
        let refused = AtomicCounter()
        let readers = (0..<(Self.queueLimit + 4)).map { _ in
            InFlight {
                let answer = try fixture.server.request("GET", "/v1/me/bookings", token: buyer, timeoutSeconds: 30)
                if answer.status == 503 { refused.increment() }
                return answer.status
            }
        }
        #expect(waitUntil(seconds: 5) { refused.value > 0 }, "the queue filled before the provider answered")

        let answer = try checkout.wait()
        _ = try lock.query("ROLLBACK")
        locked = false
        for reader in readers { _ = try reader.wait() }
        #expect(answer.status == 503, "\(answer)")
        #expect(answer.errorCode == "booking_not_sent")
        #expect(answer.headers["retry-after"] == "1")

        let kept = try server.request("GET", "/v1/holds/\(hold)", token: buyer)
        #expect(kept.status == 200 && kept.object?["status"] as? String == "live", "the hold is kept, out of checkout: \(kept)")
        #expect(try fixture.mine(token: buyer) == ["C1", "C2"])
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "cancelled:booking_not_sent" },
                "the attempt: \((try? fixture.attempts(hold)) ?? "?")")
        let number = try BookingFixture.holdNumber(hold)
        let intent = try #require(try fixture.sql("SELECT intent_id FROM payments WHERE hold_no = \(number)").first?.first ?? nil)
        #expect(try waitUntil(seconds: 5) { try fixture.mockIntent(intent) == "canceled" }, "nothing stays reserved on the card")
        #expect(try fixture.sql("SELECT count(*) FROM bookings") == [["0"]])

        let retried = try fixture.checkout(hold, token: buyer, timeoutSeconds: 30)
        #expect(retried.status == 201, "\(retried)")
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "cancelled:booking_not_sent,captured:-" })
    }
}

/// The server's database goes away: its connections are terminated and
/// new ones refused (else it would reconnect within 100 ms) until `end`.
final class DatabaseBlip {
    private let database: String
    private var ended = false

    init(_ server: MarqueeTestServer) throws {
        database = server.databaseName
        try Self.onCluster("ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS false")
        let terminated = try Self.onCluster("""
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()
            """)
        #expect(Int((terminated.first?.first ?? nil) ?? "") ?? 0 >= 2, "a connection per shard: \(terminated)")
    }

    func end() {
        guard !ended else { return }
        ended = true
        _ = try? Self.onCluster("ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS true")
    }

    /// A statement on the cluster's own database, not the server's.
    private static func onCluster(_ sql: String) throws -> [[String?]] {
        let admin = try BlockingConnection(url: try #require(TestDatabase.serverURL))
        defer { admin.close() }
        return try admin.query(sql).rows
    }
}
