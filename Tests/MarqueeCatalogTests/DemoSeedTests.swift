import MarqueeCatalog
import MarqueeStore
import MarqueeTestSupport
import Testing

@Suite("Demo catalog")
struct DemoSeedTests {
    @Test("seeds a realistic catalog once; a second run changes nothing")
    func seedOnce() throws {
        let serverURL = try #require(TestDatabase.serverURL, "TEST_DATABASE_URL must be set")
        let admin = try BlockingConnection(url: serverURL)
        defer { admin.close() }
        let name = TestDatabase.uniqueName("seed")
        try admin.execute("CREATE DATABASE \(name)")
        defer { _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        let url = try #require(TestDatabase.url(database: name))
        try Migrator.migrate(url: url)
        let first = try DemoSeed.run(url: url)
        #expect(first.seeded)
        #expect(first.movies == 300)
        #expect(first.showtimes > 500)
        let second = try DemoSeed.run(url: url)
        #expect(!second.seeded)
        #expect(second.movies == first.movies && second.showtimes == first.showtimes)
        let db = try BlockingConnection(url: url)
        defer { db.close() }
        let shape = try db.query("""
            SELECT (SELECT count(*) FROM theaters), (SELECT count(*) FROM auditoriums),
                   (SELECT count(DISTINCT seat_count) FROM auditoriums),
                   (SELECT min(c) FROM (SELECT count(*) c FROM movie_genres GROUP BY movie_id) x),
                   (SELECT min(c) FROM (SELECT count(*) c FROM cast_members GROUP BY movie_id) x),
                   -- From today in the theaters' zones (Sydney's 10:00 is yesterday in UTC), two weeks on.
                   (SELECT min(starts_at) >= current_date - interval '1 day' AND max(starts_at) < current_date + interval '16 days' FROM showtimes)
            """)
        #expect(shape.rows.first == ["4", "10", "10", "2", "5", "t"])
    }
}
