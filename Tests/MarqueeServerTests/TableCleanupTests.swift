import Foundation
import Glibc
import MarqueeStore
import MarqueeTestSupport
import Testing

/// `marquee serve` deletes rows that have outlived their use: login-attempt
/// windows, day-old idempotency keys and revocations of expired tokens. In
/// batches, and on one instance at a time: while another session holds the
/// cleanup's advisory lock, nothing is deleted.
@Suite("Table cleanup", .serialized)
struct TableCleanupTests {
    /// TableCleanup.lockKey: the advisory lock one instance's run holds.
    static let lockKey = "727172002"

    func insertExpired(_ db: BlockingConnection, logins: Int) throws {
        try db.execute("""
            INSERT INTO login_attempts (key, window_start, attempts)
            SELECT 'ip:10.0.' || g, date_trunc('minute', now()) - interval '1 hour', 1 FROM generate_series(1, \(logins)) g
            ON CONFLICT DO NOTHING
            """)
        try db.execute("""
            INSERT INTO idempotency_keys (user_id, key, request_hash, created_at)
            SELECT 1, 'old-' || g, 'h', now() - interval '25 hours' FROM generate_series(1, 3) g ON CONFLICT DO NOTHING
            """)
        try db.execute("""
            INSERT INTO revoked_tokens (jti, expires_at)
            SELECT 'gone-' || g, now() - interval '1 minute' FROM generate_series(1, 3) g ON CONFLICT DO NOTHING
            """)
    }

    func expiredRows(_ db: BlockingConnection) throws -> Int {
        let count = try db.query("""
            SELECT (SELECT count(*) FROM login_attempts WHERE key LIKE 'ip:10.0.%')
                 + (SELECT count(*) FROM idempotency_keys WHERE key LIKE 'old-%')
                 + (SELECT count(*) FROM revoked_tokens WHERE jti LIKE 'gone-%')
            """).scalar
        return Int(count ?? "") ?? -1
    }

    @Test("expired rows of the three tables are deleted in batches; live rows stay; a held lock skips the run")
    func cleanup() throws {
        let serverURL = try #require(TestDatabase.serverURL, "TEST_DATABASE_URL must point at PostgreSQL")
        let name = TestDatabase.uniqueName("cleanup")
        let admin = try BlockingConnection(url: serverURL)
        try admin.execute("CREATE DATABASE \(name)")
        defer {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            admin.close()
        }
        let url = try #require(TestDatabase.url(database: name))
        try Migrator.migrate(url: url)
        let db = try BlockingConnection(url: url)
        defer { db.close() }
        try db.execute("""
            INSERT INTO login_attempts (key, window_start, attempts) VALUES ('ip:live', date_trunc('minute', now()), 1);
            INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES (1, 'live', 'h');
            INSERT INTO revoked_tokens (jti, expires_at) VALUES ('live', now() + interval '1 hour')
            """)
        // More login windows than one batch holds, so the run takes several.
        try insertExpired(db, logins: 2_500)

        let server = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "2"], environment: [
            "DATABASE_URL": url, "JWT_SECRET": String(repeating: "c", count: 32), "CLEANUP_INTERVAL_MS": "100", "LOG_LEVEL": "debug",
        ])
        defer {
            server.signal(SIGTERM)
            #expect(server.waitForExit() == 0)
        }
        #expect(try eventually { try expiredRows(db) == 0 }, "expired rows are deleted: \(server.log.suffix(2_000))")
        let live = try db.query("""
            SELECT (SELECT count(*) FROM login_attempts WHERE key = 'ip:live') + (SELECT count(*) FROM idempotency_keys WHERE key = 'live')
                 + (SELECT count(*) FROM revoked_tokens WHERE jti = 'live')
            """).scalar
        #expect(live == "3", "rows still in use stay")
        // The first run that deleted anything took all of it, in batches of 1,000:
        // three of login windows, one for each other table.
        let runs = server.log.split(separator: "\n").compactMap { line -> [String: Any]? in
            guard line.contains("table cleanup done") else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
        let first = try #require(runs.first { ($0["deleted_rows"] as? Int ?? 0) > 0 }, "\(runs)")
        #expect(first["deleted_rows"] as? Int == 2_506)
        #expect(first["table_cleanup_batches"] as? Int == 5)

        // Another instance's run in progress: this one skips, deleting nothing.
        try db.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
        let skippedBefore = server.log.components(separatedBy: "table cleanup skipped").count
        try insertExpired(db, logins: 10)
        #expect(eventually { server.log.components(separatedBy: "table cleanup skipped").count >= skippedBefore + 2 })
        #expect(try expiredRows(db) == 16, "nothing is deleted while another session holds the lock")
        try db.execute("SELECT pg_advisory_unlock(\(Self.lockKey))")
        #expect(try eventually { try expiredRows(db) == 0 }, "deleted once the lock is free")
    }
}
