import Foundation
import MarqueeCatalog
import MarqueeServer
import MarqueeStore
import MarqueeTestSupport
import MarqueeUsers
import Testing

/// Who may write the catalog depends on what is configured: the bootstrap
/// `ADMIN_TOKEN`, a token signer for users' access tokens, both, or neither.
/// `MarqueeTestServer` has both; these servers have less.
@Suite("Catalog: admin routes by configuration", .serialized)
struct AdminAuthConfigTests {
    /// Every admin route, on ids that exist: any of them let through would write.
    static func adminRoutes(_ ids: SeededCatalog) -> [(method: String, path: String, json: String?)] {
        [
            ("POST", "/v1/movies", #"{"title":"X","runtime_minutes":90}"#),
            ("PATCH", "/v1/movies/\(ids.movie)", #"{"title":"X"}"#),
            ("DELETE", "/v1/movies/\(ids.movie)", nil),
            ("PUT", "/v1/movies/\(ids.movie)/cast", #"{"cast":[]}"#),
            ("POST", "/v1/genres", #"{"name":"X"}"#),
            ("PATCH", "/v1/genres/\(ids.genre)", #"{"name":"X"}"#),
            ("DELETE", "/v1/genres/\(ids.genre)", nil),
            ("POST", "/v1/people", #"{"name":"X"}"#),
            ("PATCH", "/v1/people/\(ids.person)", #"{"name":"X"}"#),
            ("DELETE", "/v1/people/\(ids.person)", nil),
            ("POST", "/v1/theaters", #"{"name":"X"}"#),
            ("PATCH", "/v1/theaters/\(ids.theater)", #"{"name":"X"}"#),
            ("DELETE", "/v1/theaters/\(ids.theater)", nil),
            ("POST", "/v1/auditoriums", "{\"theater_id\":\(ids.theater),\"name\":\"X\",\"layout\":\(layoutJSON())}"),
            ("PATCH", "/v1/auditoriums/\(ids.auditorium)", #"{"name":"X"}"#),
            ("DELETE", "/v1/auditoriums/\(ids.auditorium)", nil),
            ("POST", "/v1/showtimes", "{\"movie_id\":\(ids.movie),\"auditorium_id\":\(ids.auditorium),\"starts_at\":\"2031-01-01T10:00:00Z\"}"),
            ("PATCH", "/v1/showtimes/\(ids.showtime)", #"{"status":"cancelled"}"#),
        ]
    }

    @Test("with neither an admin token nor token signing, every admin route is 403 admin_disabled and writes nothing; reads still answer")
    func adminDisabled() throws {
        let server = try adminConfigServer(adminToken: nil, signer: nil)
        defer { server.stop() }
        let ids = try server.seed()
        let before = try server.catalogSnapshot()
        for route in Self.adminRoutes(ids) {
            for token: String? in [nil, MarqueeTestServer.adminToken] {
                let response = try server.request(route.method, route.path, json: route.json, token: token)
                #expect(response.status == 403, "\(route.method) \(route.path): \(response)")
                #expect(response.errorCode == "admin_disabled", "\(route.method) \(route.path)")
            }
        }
        #expect(try server.catalogSnapshot() == before, "nothing was written")
        let genres = try server.request("GET", "/v1/genres", token: nil)
        #expect(genres.status == 200)
        #expect(genres.items.compactMap { $0["name"] as? String } == ["Noir"])
    }

    @Test("without ADMIN_TOKEN (how `marquee serve` runs when it is unset) the bootstrap token is refused and an admin's access token opens the routes")
    func signerOnly() throws {
        let signer = MarqueeTestServer.signer
        let server = try adminConfigServer(adminToken: nil, signer: signer)
        defer { server.stop() }
        let body = #"{"name":"Noir"}"#
        let bootstrap = try server.request("POST", "/v1/genres", json: body, token: MarqueeTestServer.adminToken)
        #expect(bootstrap.status == 401)
        #expect(bootstrap.errorCode == "invalid_token")
        #expect(try server.request("POST", "/v1/genres", json: body, token: nil).errorCode == "missing_token")
        let now = Int64(Date().timeIntervalSince1970)
        let customer = try server.request("POST", "/v1/genres", json: body, token: signer.issue(userID: 1, role: "customer", now: now).token)
        #expect(customer.status == 403)
        #expect(customer.errorCode == "forbidden")
        #expect(try server.catalogSnapshot()["genres"] == "0:", "nothing was written")
        let admin = try server.request("POST", "/v1/genres", json: body, token: signer.issue(userID: 1, role: "admin", now: now).token)
        #expect(admin.status == 201, "\(admin)")
        #expect(try server.catalogSnapshot()["genres"]?.hasPrefix("1:") == true)
    }
}

struct SeededCatalog {
    let genre: Int, person: Int, theater: Int, auditorium: Int, movie: Int, showtime: Int
}

/// The shared server on one shard, with the admin token and signer given
/// (nil: not configured).
private func adminConfigServer(adminToken: String?, signer: TokenSigner?) throws -> MarqueeTestServer {
    try MarqueeTestServer(shards: 1, catalog: { catalog in
        catalog.adminToken = adminToken
        catalog.tokenSigner = signer
    })
}

extension MarqueeTestServer {
    /// One row of each kind, written past the API (which this server closes).
    func seed() throws -> SeededCatalog {
        let database = try BlockingConnection(url: databaseURL)
        defer { database.close() }
        func id(_ sql: String, _ params: [String?] = []) throws -> Int {
            try #require(Int(try database.query(sql + " RETURNING id", params).scalar ?? ""))
        }
        let genre = try id("INSERT INTO genres (name) VALUES ('Noir')")
        let person = try id("INSERT INTO people (name) VALUES ('Faye Dunaway')")
        let theater = try id("INSERT INTO theaters (name) VALUES ('Rex')")
        let auditorium = try id("INSERT INTO auditoriums (theater_id, name, layout, seat_count) VALUES ($1, 'One', $2::jsonb, 40)",
                                [String(theater), layoutJSON()])
        let movie = try id("INSERT INTO movies (title, runtime_minutes) VALUES ('Chinatown', 130)")
        let showtime = try id("""
            INSERT INTO showtimes (movie_id, auditorium_id, starts_at, ends_at, cleaning_minutes)
            VALUES ($1, $2, '2031-05-01T18:00:00Z', '2031-05-01T20:10:00Z', 15)
            """, [String(movie), String(auditorium)])
        return SeededCatalog(genre: genre, person: person, theater: theater, auditorium: auditorium, movie: movie, showtime: showtime)
    }

    /// Each catalog table's rows as text, so any write shows as a difference.
    func catalogSnapshot() throws -> [String: String] {
        let database = try BlockingConnection(url: databaseURL)
        defer { database.close() }
        var snapshot: [String: String] = [:]
        for table in ["genres", "movies", "people", "theaters", "auditoriums", "showtimes"] {
            snapshot[table] = try database.execute("SELECT count(*) || ':' || COALESCE(string_agg(t::text, '|' ORDER BY t.id), '') FROM \(table) t").scalar
        }
        return snapshot
    }
}
