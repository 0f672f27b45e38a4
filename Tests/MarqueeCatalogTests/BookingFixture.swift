import Foundation
import Glibc
import MarqueeStore
import MarqueeTestSupport
import Testing

/// A theater with one 5 x 8 auditorium (row A premium, an aisle after
/// column 4), a movie, and a showtime tomorrow; customers made straight in
/// the database with tokens from the test signer (no password hashing).
struct BookingFixture: @unchecked Sendable {
    // @unchecked: immutable after init; each request opens its own connection.
    let server: CatalogTestServer
    let showtime: Int
    let auditorium: Int
    let movie: Int

    init(server: CatalogTestServer, startsInSeconds: Int = 86_400) throws {
        self.server = server
        let theater = try server.create("/v1/theaters", #"{"name":"Odeon"}"#)
        auditorium = try server.create("/v1/auditoriums", """
            {"theater_id":\(theater),"name":"1","layout":{"rows":5,"columns":8,"aisles_after":[4],
             "categories":{"A1":"premium","A2":"premium","A3":"premium","A4":"premium","A5":"premium","A6":"premium","A7":"premium","A8":"premium"},
             "prices":{"standard":1000,"premium":1500}}}
            """)
        movie = try server.create("/v1/movies", #"{"title":"Heat","runtime_minutes":120}"#)
        showtime = try Self.addShowtime(server: server, movie: movie, auditorium: auditorium, startsInSeconds: startsInSeconds)
    }

    static func addShowtime(server: CatalogTestServer, movie: Int, auditorium: Int, startsInSeconds: Int) throws -> Int {
        // Whole minutes, spaced so showtimes of one auditorium never overlap.
        let start = (Int(time(nil)) + startsInSeconds) / 60 * 60
        let stamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(start)))
        return try server.create("/v1/showtimes", "{\"movie_id\":\(movie),\"auditorium_id\":\(auditorium),\"starts_at\":\"\(stamp)\"}")
    }

    func anotherShowtime(inDays days: Int) throws -> Int {
        try Self.addShowtime(server: server, movie: movie, auditorium: auditorium, startsInSeconds: days * 86_400)
    }

    /// `count` customers: (user id, bearer token).
    func customers(_ count: Int) throws -> [(id: Int64, token: String)] {
        let database = try BlockingConnection(url: server.databaseURL)
        defer { database.close() }
        let rows = try database.query("""
            INSERT INTO users (email, name, password_hash)
            SELECT 'buyer' || g || '-' || md5(random()::text) || '@example.com', 'Buyer', 'none' FROM generate_series(1, $1) g
            RETURNING id
            """, [String(count)])
        return rows.rows.map { row in
            let id = Int64(row[0]!)!
            return (id, CatalogTestServer.signer.issue(userID: id, role: "customer", now: Int64(time(nil))).token)
        }
    }

    func seats(token: String? = nil) throws -> TestClient.Response {
        try server.request("GET", "/v1/showtimes/\(showtime)/seats", token: token)
    }

    /// Seat label -> state from the seat map.
    func states(token: String? = nil) throws -> [String: String] {
        let list = try seats(token: token).object?["seats"] as? [[String: Any]] ?? []
        var states: [String: String] = [:]
        for seat in list { states[seat["label"] as! String] = seat["state"] as? String }
        return states
    }

    /// (A long timeout serves the races: hundreds of clients on a server slowed by Thread Sanitizer.)
    func hold(_ seats: [String], token: String, showtime: Int? = nil, headers: [String: String] = [:],
              timeoutSeconds: Int = 5) throws -> TestClient.Response {
        let list = seats.map { "\"\($0)\"" }.joined(separator: ",")
        return try server.request("POST", "/v1/showtimes/\(showtime ?? self.showtime)/holds", json: "{\"seats\":[\(list)]}",
                                  token: token, headers: headers, timeoutSeconds: timeoutSeconds)
    }

    func checkout(_ hold: String, method: String = "pm_card_visa", token: String, headers: [String: String] = [:],
                  timeoutSeconds: Int = 5) throws -> TestClient.Response {
        try server.request("POST", "/v1/holds/\(hold)/checkout", json: "{\"payment_method\":\"\(method)\"}", token: token,
                           headers: headers, timeoutSeconds: timeoutSeconds)
    }

    func sql(_ text: String) throws -> [[String?]] {
        let database = try BlockingConnection(url: server.databaseURL)
        defer { database.close() }
        return try database.query(text).rows
    }

    /// Waits for write-behind rows to reach the database.
    func eventually(_ text: String, equals expected: String, seconds: Double = 5) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try sql(text).first?.first ?? nil == expected { return true }
            usleep(20_000)
        }
        return false
    }
}
