import MarqueeLoop
@testable import MarqueeStore
import MarqueeTestSupport
import Testing

@Suite("Migrations", .serialized)
struct MigratorTests {
    @Test("pending migrations apply once, are recorded, and a second run does nothing")
    func applyOnce() throws {
        try withFreshDatabase { url in
            #expect(try Migrator.migrate(url: url) == Migration.all.map(\.version))
            #expect(try Migrator.migrate(url: url) == [])
            let connection = try BlockingConnection(url: url)
            defer { connection.close() }
            let versions = try connection.query("SELECT version FROM schema_migrations ORDER BY version").rows.map { $0[0] }
            #expect(versions == Migration.all.map { String($0.version) })
        }
    }

    @Test("instances migrating at the same moment take turns: each migration runs once")
    func concurrentMigrators() throws {
        try withFreshDatabase { url in
            let results = Lock<[[Int]]>([])
            let failures = AtomicCounter()
            let threads = (0..<4).map { _ in
                LoopThread(name: "migrator") {
                    do {
                        let applied = try Migrator.migrate(url: url)
                        results.withLock { $0.append(applied) }
                    } catch {
                        failures.increment()
                    }
                }
            }
            threads.forEach { $0.join() }
            #expect(failures.value == 0)
            let all = results.withLock { $0 }
            #expect(all.filter { !$0.isEmpty } == [Migration.all.map(\.version)])
        }
    }

    @Test("a failing migration rolls back whole and is not recorded")
    func failingMigration() throws {
        try withFreshDatabase { url in
            let broken = Migration(version: 9_999, name: "broken", sql: "CREATE TABLE half_done (id int); SELECT 1/0;")
            #expect(throws: PostgresError.self) { try Migrator.migrate(url: url, migrations: [broken]) }
            let connection = try BlockingConnection(url: url)
            defer { connection.close() }
            #expect(try connection.query("SELECT to_regclass('half_done') IS NULL").scalar == "t")
            #expect(try connection.query("SELECT count(*) FROM schema_migrations").scalar == "0")
        }
    }

    @Test("the schema refuses overlapping showtimes in one auditorium, cleaning buffer included")
    func overlapConstraint() throws {
        try withFreshDatabase { url in
            try Migrator.migrate(url: url)
            let db = try BlockingConnection(url: url)
            defer { db.close() }
            try db.execute("""
                INSERT INTO movies (id, title, runtime_minutes) VALUES (1, 'M', 100);
                INSERT INTO theaters (id, name) VALUES (1, 'T');
                INSERT INTO auditoriums (id, theater_id, name, layout, seat_count) VALUES (1, 1, 'A', '{}', 10), (2, 1, 'B', '{}', 10);
                INSERT INTO showtimes (movie_id, auditorium_id, starts_at, ends_at, cleaning_minutes)
                    VALUES (1, 1, '2030-01-01 18:00Z', '2030-01-01 19:40Z', 20);
                """)
            // Starts during the cleaning buffer of the first: refused.
            #expect {
                try db.execute("INSERT INTO showtimes (movie_id, auditorium_id, starts_at, ends_at) VALUES (1, 1, '2030-01-01 19:50Z', '2030-01-01 21:30Z')")
            } throws: { ($0 as? PostgresError)?.constraint == "showtimes_no_overlap" }
            // After the buffer, or in another auditorium: fine.
            try db.execute("INSERT INTO showtimes (movie_id, auditorium_id, starts_at, ends_at) VALUES (1, 1, '2030-01-01 20:00Z', '2030-01-01 21:40Z')")
            try db.execute("INSERT INTO showtimes (movie_id, auditorium_id, starts_at, ends_at) VALUES (1, 2, '2030-01-01 18:30Z', '2030-01-01 20:10Z')")
            // A cancelled showtime frees its slot.
            try db.execute("UPDATE showtimes SET status = 'cancelled' WHERE auditorium_id = 2")
            try db.execute("INSERT INTO showtimes (movie_id, auditorium_id, starts_at, ends_at) VALUES (1, 2, '2030-01-01 18:30Z', '2030-01-01 20:10Z')")
        }
    }

    @Test("title search folds case and accents")
    func folding() throws {
        try withFreshDatabase { url in
            try Migrator.migrate(url: url)
            let db = try BlockingConnection(url: url)
            defer { db.close() }
            #expect(try db.query("SELECT marquee_fold($1)", ["Amélie À LA Crème"]).scalar == "amelie a la creme")
        }
    }
}
