import Foundation
import MarqueeCrypto
import MarqueeStore
import MarqueeTestSupport
import Testing

/// A key left "in progress" by a request that will never finish (its
/// process crashed, its connection was lost, its answer was not stored)
/// must not answer 409 to every retry for a day.
@Suite("Idempotency-Key owners and leases", .serialized)
final class IdempotencyLeaseTests {
    let server: MarqueeTestServer
    let fixture: BookingFixture

    init() throws {
        server = try MarqueeTestServer()
        fixture = try BookingFixture(server: server)
    }
    deinit { server.stop() }

    /// The hash the server keeps for a hold request of `seats`.
    func holdHash(_ seats: [String]) -> String {
        let body = "{\"seats\":[\(seats.map { "\"\($0)\"" }.joined(separator: ","))]}"
        return Crypto.sha256(Array("POST /v1/showtimes/\(fixture.showtime)/holds\n".utf8) + Array(body.utf8))
            .map { String($0 >> 4, radix: 16) + String($0 & 15, radix: 16) }.joined()
    }

    @Test("a key a crashed request left in progress is run again by the retry, not 409 for a day")
    func orphanRunsAgain() throws {
        let buyer = try fixture.customers(1)[0]
        // What a crash between claiming the key and storing the answer leaves.
        _ = try fixture.sql("INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES (\(buyer.id), 'crashed', '\(holdHash(["B1"]))')")
        let retry = try fixture.hold(["B1"], token: buyer.token, headers: ["Idempotency-Key": "crashed"])
        #expect(retry.status == 201, "\(retry)")
        let replay = try fixture.hold(["B1"], token: buyer.token, headers: ["Idempotency-Key": "crashed"])
        #expect(replay.status == 201 && replay.headers["idempotent-replayed"] == "true" && replay.body == retry.body)
    }

    @Test("a key whose owner's session is alive is 409 within its lease, and run again after it, or once the session ends")
    func liveOwnerAndLease() throws {
        let buyer = try fixture.customers(1)[0]
        let owner = try BlockingConnection(url: server.databaseURL)
        let session = try #require(owner.query("SELECT pg_backend_pid(), backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()").rows.first)
        for (key, seat) in [("leased", "C1"), ("dropped", "C2")] {
            _ = try fixture.sql("""
                INSERT INTO idempotency_keys (user_id, key, request_hash, owner, owner_pid, owner_backend_start, lease_until)
                VALUES (\(buyer.id), '\(key)', '\(holdHash([seat]))', 'elsewhere/1', \(session[0]!), '\(session[1]!)', now() + interval '1 minute')
                """)
            let busy = try fixture.hold([seat], token: buyer.token, headers: ["Idempotency-Key": key])
            #expect(busy.status == 409 && busy.errorCode == "idempotency_in_progress", "\(busy)")
        }
        _ = try fixture.sql("UPDATE idempotency_keys SET lease_until = now() - interval '1 second' WHERE key = 'leased'")
        #expect(try fixture.hold(["C1"], token: buyer.token, headers: ["Idempotency-Key": "leased"]).status == 201, "the lease ran out")
        owner.close()
        #expect(try waitUntil(seconds: 5) { try fixture.sql("SELECT count(*) FROM pg_stat_activity WHERE pid = \(session[0]!)") == [["0"]] })
        #expect(try fixture.hold(["C2"], token: buyer.token, headers: ["Idempotency-Key": "dropped"]).status == 201, "the owner's session ended")
    }

    @Test("an answer whose first write fails is written again, so a retry replays it")
    func answerWriteRetried() throws {
        let buyer = try fixture.customers(1)[0]
        // The first attempt to store an answer fails, as on a database blip.
        // A sequence, since a failed statement rolls back everything else it wrote.
        _ = try fixture.sql("CREATE SEQUENCE answer_writes")
        _ = try fixture.sql("""
            CREATE FUNCTION fail_first_answer() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF nextval('answer_writes') = 1 THEN
                    RAISE EXCEPTION 'answer write refused once';
                END IF;
                RETURN NEW;
            END $$
            """)
        _ = try fixture.sql("""
            CREATE TRIGGER fail_first_answer BEFORE UPDATE ON idempotency_keys
                FOR EACH ROW WHEN (NEW.status IS NOT NULL) EXECUTE FUNCTION fail_first_answer()
            """)
        defer { _ = try? fixture.sql("DROP TRIGGER fail_first_answer ON idempotency_keys") }
        let first = try fixture.hold(["D1"], token: buyer.token, headers: ["Idempotency-Key": "blip"])
        #expect(first.status == 201)
        #expect(try fixture.sql("SELECT last_value FROM answer_writes") == [["2"]], "the first write failed, the second stored it")
        #expect(try fixture.sql("SELECT status FROM idempotency_keys WHERE key = 'blip'") == [["201"]], "the answer is stored")
        let replay = try fixture.hold(["D1"], token: buyer.token, headers: ["Idempotency-Key": "blip"])
        #expect(replay.status == 201 && replay.headers["idempotent-replayed"] == "true", "\(replay)")
    }
}
