import Foundation
import MarqueeStore
import MarqueeTestSupport
import Testing

/// Edits and deletes of theaters, people and auditoriums, and the reads of
/// one auditorium and one showtime. Every change is read back through the
/// API after the cache was warmed, so a write that forgets to invalidate
/// fails here; every refused edit is checked against the table itself.
/// One shard: its cache is dropped before the write is answered, so the
/// next read sees the write at once (another shard's copy goes when the
/// write's NOTIFY arrives; `CatalogAdminTests` covers that).
@Suite("Catalog: admin edits and deletes, single reads", .serialized)
final class CatalogAdminEditTests {
    let server: MarqueeTestServer

    init() throws { server = try MarqueeTestServer(shards: 1) }
    deinit { server.stop() }

    /// One row as PostgreSQL has it, past every cache.
    func row(_ sql: String, _ id: Int) throws -> [String?] {
        let database = try BlockingConnection(url: server.databaseURL)
        defer { database.close() }
        return try database.query(sql, [String(id)]).rows.first ?? []
    }

    /// Sends each bad body to `path` and expects 400 with its code, the row unchanged.
    func refuseBadBodies(_ path: String, _ cases: [(json: String, code: String)], rowSQL: String, id: Int) throws {
        let before = try row(rowSQL, id)
        for (json, code) in cases {
            let response = try server.request("PATCH", path, json: json)
            #expect(response.status == 400, "\(json): \(response)")
            #expect(response.errorCode == code, "\(json)")
        }
        #expect(try row(rowSQL, id) == before, "a refused edit changed nothing")
    }

    func theater(named name: String) throws -> [String: Any]? {
        try server.get("/v1/theaters?limit=100").items.first { $0["name"] as? String == name }
    }

    @Test("a theater is edited, refused a bad edit, kept while it has auditoriums, then deleted")
    func theaters() throws {
        let id = try server.create("/v1/theaters", #"{"name":"Odeon","address":"1 High St","time_zone":"Europe/London"}"#)
        #expect(try theater(named: "Odeon")?["address"] as? String == "1 High St", "the list is cached now")

        let edited = try server.request("PATCH", "/v1/theaters/\(id)", json: #"{"address":"2 Low St"}"#)
        #expect(edited.status == 200, "\(edited)")
        #expect(edited.object?["address"] as? String == "2 Low St")
        #expect(edited.object?["time_zone"] as? String == "Europe/London", "fields not sent are kept")
        let listed = try #require(try theater(named: "Odeon"))
        #expect(listed["address"] as? String == "2 Low St")
        #expect(listed["time_zone"] as? String == "Europe/London")

        #expect(try server.request("PATCH", "/v1/theaters/999999", json: #"{"name":"Nowhere"}"#).errorCode == "not_found")
        try refuseBadBodies("/v1/theaters/\(id)", [
            (#"{"time_zone":"Mars/Olympus Mons!"}"#, "invalid_field"),
            (#"{"name":""}"#, "invalid_field"),
            (#"{"name":"Rex","seats":3}"#, "unknown_field"),
            (#"{"name":"#, "invalid_json"),
        ], rowSQL: "SELECT name, address, time_zone FROM theaters WHERE id = $1", id: id)

        let auditorium = try server.create("/v1/auditoriums", "{\"theater_id\":\(id),\"name\":\"1\",\"layout\":\(layoutJSON())}")
        let inUse = try server.request("DELETE", "/v1/theaters/\(id)")
        #expect(inUse.status == 409)
        #expect(inUse.errorCode == "theater_in_use")
        #expect(try theater(named: "Odeon") != nil)
        #expect(try server.request("DELETE", "/v1/auditoriums/\(auditorium)").status == 204)
        #expect(try server.request("DELETE", "/v1/theaters/\(id)").status == 204)
        #expect(try theater(named: "Odeon") == nil, "a deleted theater is gone from the list")
        let again = try server.request("DELETE", "/v1/theaters/\(id)")
        #expect(again.status == 404)
        #expect(again.errorCode == "not_found")
        #expect(try server.request("PATCH", "/v1/theaters/\(id)", json: #"{"name":"Back"}"#).status == 404)
    }

    @Test("a person is renamed everywhere they appear, refused a bad edit, kept while cast, then deleted")
    func people() throws {
        let id = try server.create("/v1/people", #"{"name":"Bill Murray"}"#)
        let movie = try server.create("/v1/movies", #"{"title":"Groundhog Day","runtime_minutes":101}"#)
        #expect(try server.request("PUT", "/v1/movies/\(movie)/cast", json: "{\"cast\":[{\"person_id\":\(id),\"role\":\"Phil\"}]}").status == 200)
        func castNames() throws -> [String] {
            (try server.get("/v1/movies/\(movie)").object?["cast"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        }
        #expect(try castNames() == ["Bill Murray"], "the detail is cached now")
        #expect(try server.get("/v1/actors?q=murray").items.count == 1)

        let renamed = try server.request("PATCH", "/v1/people/\(id)", json: #"{"name":"William Murray"}"#)
        #expect(renamed.status == 200, "\(renamed)")
        #expect(renamed.object?["name"] as? String == "William Murray")
        let actors = try server.get("/v1/actors?q=william").items
        #expect(actors.map { $0["id"] as? Int } == [id])
        #expect(actors.first?["movie_count"] as? Int == 1)
        #expect(try castNames() == ["William Murray"])

        #expect(try server.request("PATCH", "/v1/people/999999", json: #"{"name":"Nobody"}"#).errorCode == "not_found")
        try refuseBadBodies("/v1/people/\(id)", [
            (#"{"name":"   "}"#, "invalid_field"),
            (#"{"name":7}"#, "invalid_field"),
            (#"{"name":"Bill","born":1950}"#, "unknown_field"),
            (#"["name"]"#, "invalid_json"),
        ], rowSQL: "SELECT name FROM people WHERE id = $1", id: id)

        let inUse = try server.request("DELETE", "/v1/people/\(id)")
        #expect(inUse.status == 409)
        #expect(inUse.errorCode == "person_in_use")
        #expect(try castNames() == ["William Murray"])
        #expect(try server.request("PUT", "/v1/movies/\(movie)/cast", json: #"{"cast":[]}"#).status == 200)
        #expect(try server.request("DELETE", "/v1/people/\(id)").status == 204)
        #expect(try server.get("/v1/actors?q=murray").items.isEmpty, "a deleted person is gone from the list")
        #expect(try server.request("DELETE", "/v1/people/\(id)").errorCode == "not_found")
        #expect(try server.request("PATCH", "/v1/people/\(id)", json: #"{"name":"Back"}"#).status == 404)
    }

    @Test("an auditorium reads back by id, takes edits, refuses bad ones, and is deleted; unknown ids are 404")
    func auditoriums() throws {
        let theater = try server.create("/v1/theaters", #"{"name":"Rex"}"#)
        let id = try server.create("/v1/auditoriums", "{\"theater_id\":\(theater),\"name\":\"One\",\"layout\":\(layoutJSON(rows: 5, columns: 8))}")
        let read = try server.get("/v1/auditoriums/\(id)")
        #expect(read.status == 200, "\(read)")
        #expect(read.object?["name"] as? String == "One")
        #expect(read.object?["theater_id"] as? Int == theater)
        #expect(read.object?["theater"] as? String == "Rex")
        #expect(read.object?["seat_count"] as? Int == 40)
        #expect((read.object?["layout"] as? [String: Any])?["columns"] as? Int == 8)
        let missing = try server.get("/v1/auditoriums/999999")
        #expect(missing.status == 404)
        #expect(missing.errorCode == "not_found")

        #expect(try server.request("PATCH", "/v1/auditoriums/\(id)", json: #"{"name":"Grand"}"#).status == 200)
        let relaid = try server.request("PATCH", "/v1/auditoriums/\(id)", json: "{\"layout\":\(layoutJSON(rows: 6, columns: 10))}")
        #expect(relaid.status == 200, "\(relaid)")
        let after = try server.get("/v1/auditoriums/\(id)").object
        #expect(after?["name"] as? String == "Grand", "an earlier edit is kept by a later one")
        #expect(after?["seat_count"] as? Int == 60)
        #expect((after?["layout"] as? [String: Any])?["rows"] as? Int == 6)

        #expect(try server.request("PATCH", "/v1/auditoriums/999999", json: #"{"name":"X"}"#).errorCode == "not_found")
        try refuseBadBodies("/v1/auditoriums/\(id)", [
            (#"{"layout":{"rows":0,"columns":5,"prices":{"standard":1}}}"#, "invalid_field"),
            (#"{"name":""}"#, "invalid_field"),
            ("{\"theater_id\":\(theater)}", "unknown_field"),
            (#"{"name":"#, "invalid_json"),
        ], rowSQL: "SELECT name, seat_count, layout::text FROM auditoriums WHERE id = $1", id: id)

        #expect(try server.request("DELETE", "/v1/auditoriums/\(id)").status == 204)
        #expect(try server.get("/v1/auditoriums/\(id)").status == 404, "a deleted auditorium is gone")
        #expect(try server.request("DELETE", "/v1/auditoriums/\(id)").errorCode == "not_found")
    }

    @Test("an auditorium's layout is locked by scheduled showtimes to come, not by past or cancelled ones; any showtime keeps it from deletion")
    func auditoriumWithShowtimes() throws {
        let theater = try server.create("/v1/theaters", #"{"name":"Rex"}"#)
        let id = try server.create("/v1/auditoriums", "{\"theater_id\":\(theater),\"name\":\"One\",\"layout\":\(layoutJSON(rows: 5, columns: 8))}")
        let movie = try server.create("/v1/movies", #"{"title":"Heat","runtime_minutes":170}"#)
        let showtime = try server.create("/v1/showtimes", "{\"movie_id\":\(movie),\"auditorium_id\":\(id),\"starts_at\":\"2031-05-01T18:00:00Z\"}")
        let rowSQL = "SELECT name, seat_count, layout::text FROM auditoriums WHERE id = $1"
        let before = try row(rowSQL, id)

        let locked = try server.request("PATCH", "/v1/auditoriums/\(id)", json: "{\"layout\":\(layoutJSON(rows: 6, columns: 10))}")
        #expect(locked.status == 409, "\(locked)")
        #expect(locked.errorCode == "auditorium_has_showtimes")
        #expect(try row(rowSQL, id) == before)
        #expect(try server.get("/v1/auditoriums/\(id)").object?["seat_count"] as? Int == 40)
        #expect(try server.request("PATCH", "/v1/auditoriums/\(id)", json: #"{"name":"Grand"}"#).status == 200,
                "a rename leaves the seats alone, so showtimes do not block it")

        let inUse = try server.request("DELETE", "/v1/auditoriums/\(id)")
        #expect(inUse.status == 409)
        #expect(inUse.errorCode == "auditorium_in_use")
        #expect(try server.get("/v1/auditoriums/\(id)").status == 200)

        #expect(try server.request("PATCH", "/v1/showtimes/\(showtime)", json: #"{"status":"cancelled"}"#).status == 200)
        #expect(try server.request("PATCH", "/v1/auditoriums/\(id)", json: "{\"layout\":\(layoutJSON(rows: 6, columns: 10))}").status == 200,
                "a cancelled showtime does not lock the layout")
        #expect(try server.get("/v1/auditoriums/\(id)").object?["seat_count"] as? Int == 60)
        #expect(try server.request("DELETE", "/v1/auditoriums/\(id)").errorCode == "auditorium_in_use",
                "the cancelled showtime still refers to it")

        let old = try server.create("/v1/auditoriums", "{\"theater_id\":\(theater),\"name\":\"Two\",\"layout\":\(layoutJSON())}")
        try server.create("/v1/showtimes", "{\"movie_id\":\(movie),\"auditorium_id\":\(old),\"starts_at\":\"2020-05-01T18:00:00Z\"}")
        #expect(try server.request("PATCH", "/v1/auditoriums/\(old)", json: "{\"layout\":\(layoutJSON(rows: 2, columns: 2))}").status == 200,
                "a showtime in the past does not lock the layout")
    }

    @Test("one showtime reads back with its movie, theater, auditorium and prices; edits show at once; unknown ids are 404")
    func showtime() throws {
        let theater = try server.create("/v1/theaters", #"{"name":"Rex","time_zone":"Europe/Paris"}"#)
        let auditorium = try server.create("/v1/auditoriums", "{\"theater_id\":\(theater),\"name\":\"One\",\"layout\":\(layoutJSON())}")
        let movie = try server.create("/v1/movies", #"{"title":"Heat","runtime_minutes":170,"rating":"R"}"#)
        let id = try server.create("/v1/showtimes", "{\"movie_id\":\(movie),\"auditorium_id\":\(auditorium),\"starts_at\":\"2031-05-01T18:00:00Z\",\"cleaning_minutes\":20}")

        let read = try server.get("/v1/showtimes/\(id)")
        #expect(read.status == 200, "\(read)")
        let object = try #require(read.object)
        #expect(object["id"] as? Int == id)
        #expect((object["movie"] as? [String: Any])?["title"] as? String == "Heat")
        #expect((object["movie"] as? [String: Any])?["runtime_minutes"] as? Int == 170)
        #expect((object["theater"] as? [String: Any])?["time_zone"] as? String == "Europe/Paris")
        #expect((object["auditorium"] as? [String: Any])?["id"] as? Int == auditorium)
        #expect((object["auditorium"] as? [String: Any])?["seat_count"] as? Int == 40)
        #expect(instant(object["starts_at"]) == instant("2031-05-01T18:00:00Z"))
        #expect(instant(object["ends_at"]) == instant("2031-05-01T20:50:00Z"), "the start plus the runtime")
        #expect(object["cleaning_minutes"] as? Int == 20)
        #expect(object["prices"] as? [String: Int] == ["standard": 1000], "without its own prices, the auditorium's")
        #expect(object["status"] as? String == "scheduled")

        #expect(try server.request("PATCH", "/v1/showtimes/\(id)", json: #"{"status":"cancelled","prices":{"standard":1500}}"#).status == 200)
        let edited = try server.get("/v1/showtimes/\(id)").object
        #expect(edited?["status"] as? String == "cancelled", "the cached read was dropped by the edit")
        #expect(edited?["prices"] as? [String: Int] == ["standard": 1500])

        let missing = try server.get("/v1/showtimes/999999")
        #expect(missing.status == 404)
        #expect(missing.errorCode == "not_found")
        #expect(try server.request("PATCH", "/v1/showtimes/999999", json: #"{"status":"cancelled"}"#).errorCode == "not_found")
    }

    /// A timestamp as PostgreSQL writes it in JSON (offset, no zone letter), as an instant.
    func instant(_ value: Any?) -> Date? {
        guard let text = value as? String else { return nil }
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text) ?? formatter.date(from: text + "Z")
    }
}
