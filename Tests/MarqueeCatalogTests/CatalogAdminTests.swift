import Foundation
import MarqueeLoop
import MarqueeStore
import MarqueeTestSupport
import Testing

@Suite("Catalog: admin writes, overlap, cache, database loss", .serialized)
final class CatalogAdminTests {
    let server: MarqueeTestServer

    init() throws { server = try MarqueeTestServer() }
    deinit { server.stop() }

    func room() throws -> Int {
        let theater = try server.create("/v1/theaters", #"{"name":"Odeon","time_zone":"Europe/London"}"#)
        return try server.create("/v1/auditoriums", "{\"theater_id\":\(theater),\"name\":\"1\",\"layout\":\(layoutJSON())}")
    }

    @Test("admin routes need the admin token")
    func authorization() throws {
        let missing = try server.request("POST", "/v1/genres", json: #"{"name":"X"}"#, token: nil)
        #expect(missing.status == 401)
        #expect(missing.errorCode == "missing_token")
        #expect(missing.headers["www-authenticate"] == "Bearer")
        let wrong = try server.request("POST", "/v1/genres", json: #"{"name":"X"}"#, token: "wrong")
        #expect(wrong.status == 401)
        #expect(wrong.errorCode == "invalid_token")
        #expect(try server.get("/v1/genres").items.isEmpty, "nothing was written")
    }

    @Test("bad bodies are 400 naming the field, and write nothing", arguments: [
        ("/v1/movies", #"{"runtime_minutes":90}"#, "invalid_field"),
        ("/v1/movies", #"{"title":"X","runtime_minutes":0}"#, "invalid_field"),
        ("/v1/movies", #"{"title":"X","runtime_minutes":true}"#, "invalid_field"),
        ("/v1/movies", #"{"title":"X","runtime_minutes":90,"rating":"XXX"}"#, "invalid_field"),
        ("/v1/movies", #"{"title":"X","runtime_minutes":90,"release_date":"2020-02-30"}"#, "invalid_field"),
        ("/v1/movies", #"{"title":"X","runtime_minutes":90,"genre_ids":[1,1]}"#, "invalid_field"),
        ("/v1/movies", #"{"title":"X","runtime_minutes":90,"director":"Y"}"#, "unknown_field"),
        ("/v1/movies", #"["not","an","object"]"#, "invalid_json"),
        ("/v1/movies", #"{"title":"#, "invalid_json"),
        ("/v1/genres", #"{"name":"   "}"#, "invalid_field"),
        ("/v1/auditoriums", #"{"theater_id":1,"name":"A","layout":{"rows":0,"columns":5,"prices":{"standard":1}}}"#, "invalid_field"),
        ("/v1/auditoriums", #"{"theater_id":1,"name":"A","layout":{"rows":2,"columns":5,"removed":["Z9"],"prices":{"standard":1}}}"#, "invalid_field"),
        ("/v1/auditoriums", #"{"theater_id":1,"name":"A","layout":{"rows":2,"columns":5,"categories":{"A1":"vip"},"prices":{"standard":1}}}"#, "invalid_field"),
        ("/v1/auditoriums", #"{"theater_id":1,"name":"A","layout":{"rows":2,"columns":5,"row_labels":["A","A"],"prices":{"standard":1}}}"#, "invalid_field"),
        ("/v1/showtimes", #"{"movie_id":1,"auditorium_id":1,"starts_at":"2031-01-01T10:00:00"}"#, "invalid_field"),
        ("/v1/showtimes", #"{"movie_id":1,"auditorium_id":1,"starts_at":"2031-01-01T10:00:00Z","prices":{"standard":true}}"#, "invalid_field"),
        ("/v1/showtimes", #"{"movie_id":1,"auditorium_id":1,"starts_at":"2031-01-01T10:00:00Z","prices":{"standard":12.5}}"#, "invalid_field"),
    ])
    func badBodies(path: String, json: String, code: String) throws {
        let response = try server.request("POST", path, json: json)
        #expect(response.status == 400, "\(response)")
        #expect(response.errorCode == code)
        #expect(try server.get("/v1/movies").items.isEmpty)
        #expect(try server.get("/v1/genres").items.isEmpty)
    }

    @Test("references to missing rows are 422; duplicate names 409; in-use deletes 409")
    func referencesAndConflicts() throws {
        #expect(try server.request("POST", "/v1/movies", json: #"{"title":"X","runtime_minutes":90,"genre_ids":[424242]}"#).status == 422)
        let genre = try server.create("/v1/genres", #"{"name":"Noir"}"#)
        let duplicate = try server.request("POST", "/v1/genres", json: #"{"name":"noir"}"#)
        #expect(duplicate.status == 409)
        #expect(duplicate.errorCode == "genre_exists")
        try server.create("/v1/movies", "{\"title\":\"Chinatown\",\"runtime_minutes\":130,\"genre_ids\":[\(genre)]}")
        let inUse = try server.request("DELETE", "/v1/genres/\(genre)")
        #expect(inUse.status == 409)
        #expect(inUse.errorCode == "genre_in_use")
        #expect(try server.request("DELETE", "/v1/genres/999999").status == 404)
    }

    @Test("overlapping showtimes are refused with 409 naming the other; the cleaning buffer counts")
    func overlap() throws {
        let auditorium = try room()
        let movie = try server.create("/v1/movies", #"{"title":"Heat","runtime_minutes":170}"#)
        let first = try server.create("/v1/showtimes", "{\"movie_id\":\(movie),\"auditorium_id\":\(auditorium),\"starts_at\":\"2031-05-01T18:00:00Z\",\"cleaning_minutes\":20}")
        // Ends 20:50, cleaning until 21:10.
        let clash = try server.request("POST", "/v1/showtimes", json: "{\"movie_id\":\(movie),\"auditorium_id\":\(auditorium),\"starts_at\":\"2031-05-01T21:05:00Z\"}")
        #expect(clash.status == 409)
        #expect(clash.errorCode == "showtime_overlap")
        #expect(((clash.object?["error"] as? [String: Any])?["details"] as? [String: Any])?["conflicting_showtime_id"] as? Int == first)
        try server.create("/v1/showtimes", "{\"movie_id\":\(movie),\"auditorium_id\":\(auditorium),\"starts_at\":\"2031-05-01T21:10:00Z\"}")
        // Moving the first into the second is refused too.
        let moved = try server.request("PATCH", "/v1/showtimes/\(first)", json: #"{"starts_at":"2031-05-01T20:00:00Z"}"#)
        #expect(moved.status == 409)
        // Cancelling frees the slot.
        #expect(try server.request("PATCH", "/v1/showtimes/\(first)", json: #"{"status":"cancelled"}"#).status == 200)
        try server.create("/v1/showtimes", "{\"movie_id\":\(movie),\"auditorium_id\":\(auditorium),\"starts_at\":\"2031-05-01T17:00:00Z\",\"cleaning_minutes\":0}")
    }

    @Test("concurrent inserts racing for one slot: exactly one wins, the rest get 409")
    func racingInserts() throws {
        let auditorium = try room()
        let movie = try server.create("/v1/movies", #"{"title":"Rush","runtime_minutes":120}"#)
        let created = AtomicCounter()
        let conflicts = AtomicCounter()
        let port = server.port
        let threads = (0..<12).map { index in
            LoopThread(name: "racer") {
                let json = "{\"movie_id\":\(movie),\"auditorium_id\":\(auditorium),\"starts_at\":\"2031-06-01T18:\(10 + index):00Z\"}"
                guard let client = try? TestClient(port: port),
                      (try? client.send("POST /v1/showtimes HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(MarqueeTestServer.adminToken)\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)")) != nil,
                      let response = try? client.readResponse() else { return }
                if response.status == 201 { created.increment() }
                if response.status == 409 && response.errorCode == "showtime_overlap" { conflicts.increment() }
            }
        }
        threads.forEach { $0.join() }
        #expect(created.value == 1)
        #expect(conflicts.value == 11)
    }

    @Test("a movie with showtimes to come cannot be deleted; without, it is retired from listings")
    func deleteMovie() throws {
        let auditorium = try room()
        let busy = try server.create("/v1/movies", #"{"title":"Busy","runtime_minutes":90}"#)
        let idle = try server.create("/v1/movies", #"{"title":"Idle","runtime_minutes":90}"#)
        try server.create("/v1/showtimes", "{\"movie_id\":\(busy),\"auditorium_id\":\(auditorium),\"starts_at\":\"2031-07-01T18:00:00Z\"}")
        let refused = try server.request("DELETE", "/v1/movies/\(busy)")
        #expect(refused.status == 409)
        #expect(refused.errorCode == "movie_has_showtimes")
        #expect(try server.request("DELETE", "/v1/movies/\(idle)").status == 204)
        #expect(try server.get("/v1/movies").items.compactMap { $0["title"] as? String } == ["Busy"])
        #expect(try server.get("/v1/movies/\(idle)").status == 404, "a retired movie is gone from the API")
    }

    @Test("an admin write is seen at once by the next read on its connection, and on every shard long before the cache would expire")
    func cacheInvalidation() throws {
        func titles(_ response: TestClient.Response) -> [String] { response.items.compactMap { $0["title"] as? String } }
        func read(_ client: TestClient, _ path: String) throws -> TestClient.Response {
            try client.send(get(path))
            return try client.readResponse()
        }
        // A keep-alive connection stays on the shard that accepted it:
        // sixteen readers spread over both shards, each warming its cache.
        let readers = try (0..<16).map { _ in try TestClient(port: server.port) }
        for reader in readers { #expect(try read(reader, "/v1/movies").items.isEmpty) }
        let writer = try TestClient(port: server.port)
        try writer.send(adminRequest("POST", "/v1/movies", json: #"{"title":"Fresh","runtime_minutes":90}"#))
        let id = try #require(try writer.readResponse().object?["id"] as? Int)
        #expect(titles(try read(writer, "/v1/movies")) == ["Fresh"], "the writer's shard dropped its copy before answering")
        // Other shards drop theirs when PostgreSQL delivers the write's
        // NOTIFY, which on a busy machine can land a moment after the
        // writer's answer. The cache lives 60 s here, so a 10 s deadline
        // still tells an invalidation from an expiry.
        #expect(try eventually(within: 10) { try readers.allSatisfy { titles(try read($0, "/v1/movies")) == ["Fresh"] } })
        for reader in readers { #expect(try read(reader, "/v1/movies/\(id)").object?["title"] as? String == "Fresh") }
        try writer.send(adminRequest("PATCH", "/v1/movies/\(id)", json: #"{"title":"Renamed"}"#))
        #expect(try writer.readResponse().status == 200)
        #expect(try read(writer, "/v1/movies/\(id)").object?["title"] as? String == "Renamed")
        #expect(try eventually(within: 10) {
            try readers.allSatisfy { try read($0, "/v1/movies/\(id)").object?["title"] as? String == "Renamed" }
        })
    }

    func adminRequest(_ method: String, _ path: String, json: String) -> String {
        "\(method) \(path) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(MarqueeTestServer.adminToken)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)"
    }

    @Test("losing the database mid-query answers 503, never a false success, and the server reconnects")
    func databaseLoss() throws {
        try server.create("/v1/genres", #"{"name":"Before"}"#)
        // Hold the genres table so the next insert waits inside PostgreSQL:
        // the connection is then lost with that query surely in flight.
        let locker = try BlockingConnection(url: server.databaseURL)
        defer { locker.close() }
        let lockerPID = try #require(try locker.query("SELECT pg_backend_pid()").scalar)
        try locker.execute("BEGIN; LOCK TABLE genres IN ACCESS EXCLUSIVE MODE")
        let client = try TestClient(port: server.port)
        try client.send(adminRequest("POST", "/v1/genres", json: #"{"name":"During"}"#))
        let killer = try BlockingConnection(url: server.databaseURL)
        defer { killer.close() }
        let waiting = try eventually {
            try killer.query("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO genres%'
                """).scalar == "1"
        }
        try #require(waiting, "the insert reached the lock")
        // Kill every backend of the server's connections, as a restart would.
        try killer.query("""
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> $1::int
            """, [lockerPID])
        let lost = try client.readResponse()
        try locker.execute("ROLLBACK")
        #expect(lost.status == 503, "\(lost)")
        #expect(lost.errorCode == "database_unavailable")
        #expect(lost.headers["retry-after"] == "1")
        // Writes while the server reconnects: each is written or refused, never lost.
        var statuses: [Int] = []
        for index in 0..<4 {
            statuses.append(try server.request("POST", "/v1/genres", json: #"{"name":"Reconnecting \#(index)"}"#).status)
        }
        #expect(statuses.allSatisfy { $0 == 201 || $0 == 503 }, "\(statuses)")

        let recovered = try eventually { try server.get("/readyz").status == 200 && server.get("/readyz").status == 200 }
        #expect(recovered, "/readyz recovers once the connections are back")
        try server.create("/v1/genres", #"{"name":"After"}"#)
        let names = try server.get("/v1/genres?limit=100").items.compactMap { $0["name"] as? String }
        #expect(names.contains("Before") && names.contains("After"))
        #expect(!names.contains("During"), "the insert answered 503 was not written")
        #expect(names.filter { $0.hasPrefix("Reconnecting") }.count == statuses.filter { $0 == 201 }.count)
    }
}
