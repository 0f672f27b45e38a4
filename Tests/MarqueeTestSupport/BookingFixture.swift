import Foundation
import Glibc
import MarqueeBooking
import MarqueeStore
import Testing

/// A theater with one 5 x 8 auditorium (row A premium, an aisle after
/// column 4), a movie, and a showtime tomorrow; customers made straight in
/// the database with tokens from the test signer (no password hashing).
public struct BookingFixture: @unchecked Sendable {
    // @unchecked: immutable after init; each request opens its own connection.
    public let server: MarqueeTestServer
    public let showtime: Int
    public let auditorium: Int
    public let movie: Int

    /// The fixture on a server of its own, configured by `booking`.
    public init(startsInSeconds: Int = 86_400, booking: (inout BookingConfig) -> Void = { _ in }) throws {
        try self.init(server: MarqueeTestServer(booking: booking), startsInSeconds: startsInSeconds)
    }

    public init(server: MarqueeTestServer, startsInSeconds: Int = 86_400) throws {
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

    public static func addShowtime(server: MarqueeTestServer, movie: Int, auditorium: Int, startsInSeconds: Int) throws -> Int {
        // Whole minutes, spaced so showtimes of one auditorium never overlap.
        let start = (Int(time(nil)) + startsInSeconds) / 60 * 60
        let stamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(start)))
        return try server.create("/v1/showtimes", "{\"movie_id\":\(movie),\"auditorium_id\":\(auditorium),\"starts_at\":\"\(stamp)\"}")
    }

    public func anotherShowtime(inDays days: Int) throws -> Int {
        try Self.addShowtime(server: server, movie: movie, auditorium: auditorium, startsInSeconds: days * 86_400)
    }

    /// `count` customers: (user id, bearer token).
    public func customers(_ count: Int) throws -> [(id: Int64, token: String)] {
        let database = try BlockingConnection(url: server.databaseURL)
        defer { database.close() }
        let rows = try database.query("""
            INSERT INTO users (email, name, password_hash)
            SELECT 'buyer' || g || '-' || md5(random()::text) || '@example.com', 'Buyer', 'none' FROM generate_series(1, $1) g
            RETURNING id
            """, [String(count)])
        return rows.rows.map { row in
            let id = Int64(row[0]!)!
            return (id, MarqueeTestServer.signer.issue(userID: id, role: "customer", now: Int64(time(nil))).token)
        }
    }

    public func seats(token: String? = nil) throws -> TestClient.Response {
        try server.request("GET", "/v1/showtimes/\(showtime)/seats", token: token)
    }

    /// The seat map's seats; a failed read fails the test (an empty list
    /// would pass checks such as "every seat is free").
    public func seatList(token: String? = nil) throws -> [[String: Any]] {
        let response = try seats(token: token)
        try #require(response.status == 200, "seat map: \(response)")
        let list = try #require(response.object?["seats"] as? [[String: Any]], "seat map: \(response)")
        try #require(!list.isEmpty, "seat map without seats: \(response)")
        return list
    }

    /// Seat label -> state from the seat map.
    public func states(token: String? = nil) throws -> [String: String] {
        var states: [String: String] = [:]
        for seat in try seatList(token: token) { states[seat["label"] as! String] = seat["state"] as? String }
        return states
    }

    /// Labels of the seats the seat map shows as the caller's.
    public func mine(token: String) throws -> [String] {
        try seatList(token: token).filter { $0["mine"] as? Bool == true }.compactMap { $0["label"] as? String }
    }

    /// The number inside a hold id (`hld_<showtime>_<n>`), as in the `holds` table.
    public static func holdNumber(_ id: String) throws -> Int {
        try #require(id.split(separator: "_").last.flatMap { Int($0) }, "not a hold id: \(id)")
    }

    /// (A long timeout serves the races: hundreds of clients on a server slowed by Thread Sanitizer.)
    public func hold(_ seats: [String], token: String, showtime: Int? = nil, headers: [String: String] = [:],
              timeoutSeconds: Int = 5) throws -> TestClient.Response {
        let list = seats.map { "\"\($0)\"" }.joined(separator: ",")
        return try server.request("POST", "/v1/showtimes/\(showtime ?? self.showtime)/holds", json: "{\"seats\":[\(list)]}",
                                  token: token, headers: headers, timeoutSeconds: timeoutSeconds)
    }

    public func checkout(_ hold: String, method: String = "pm_card_visa", token: String, headers: [String: String] = [:],
                  timeoutSeconds: Int = 5) throws -> TestClient.Response {
        try server.request("POST", "/v1/holds/\(hold)/checkout", json: "{\"payment_method\":\"\(method)\"}", token: token,
                           headers: headers, timeoutSeconds: timeoutSeconds)
    }

    public func confirm(_ hold: String, token: String) throws -> TestClient.Response {
        try server.request("POST", "/v1/holds/\(hold)/checkout/confirm", token: token)
    }

    /// The intent of a 202 requires_action answer (its client secret is `<intent>_secret_<...>`).
    public func intent(ofChallenge response: TestClient.Response) throws -> String {
        let secret = try #require(response.object?["client_secret"] as? String, "\(response)")
        let intent = try #require(secret.range(of: "_secret_").map { String(secret[..<$0.lowerBound]) }, "client secret \(secret)")
        try #require(intent.hasPrefix("pi_"), "client secret \(secret)")
        return intent
    }

    /// Ends 3-D Secure at the mock provider, as the buyer's bank page would: the intent's new status.
    public func authenticate(_ intent: String, succeeded: Bool) throws -> String? {
        let json = "{\"result\":\"\(succeeded ? "succeeded" : "failed")\"}"
        return try server.request("POST", "/v1/mock/payment-intents/\(intent)/authentication", json: json, token: nil)
            .object?["status"] as? String
    }

    /// The intent's status at the mock provider (nil if unknown).
    public func mockIntent(_ intent: String) throws -> String? {
        try server.request("GET", "/v1/mock/payment-intents/\(intent)", token: nil).object?["status"] as? String
    }

    public func sql(_ text: String) throws -> [[String?]] {
        let database = try BlockingConnection(url: server.databaseURL)
        defer { database.close() }
        return try database.query(text).rows
    }

    /// Waits for write-behind rows to reach the database.
    public func eventually(_ text: String, equals expected: String, seconds: Double = 5) throws -> Bool {
        try waitUntil(seconds: seconds) { try sql(text).first?.first ?? nil == expected }
    }

    /// The payment attempts of a hold, `status:error_code` in attempt order
    /// (`-` for no code), e.g. "cancelled:authentication_required,captured:-".
    public func attempts(_ hold: String) throws -> String {
        let rows = try sql("""
            SELECT coalesce(string_agg(status || ':' || coalesce(error_code, '-'), ',' ORDER BY attempt), '') FROM payments
            WHERE showtime_id = \(showtime) AND hold_no = \(Self.holdNumber(hold))
            """)
        return (rows.first?.first ?? nil) ?? ""
    }
}

/// Polls `condition` every 20 ms until it holds (true) or `seconds` pass (false).
public func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    try eventually(within: seconds, pollingEvery: 20, condition)
}

/// A request sent from its own thread, so a test can act while it is in
/// flight; `wait` returns its answer (or the error it threw).
public final class InFlight<Value>: @unchecked Sendable {
    // @unchecked: `result` is written once before `done` is signalled and read after.
    private var result: Result<Value, Error>?
    private let done = DispatchSemaphore(value: 0)
    private let finished = NSLock()
    private var answered = false

    public init(_ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            result = Result { try body() }
            finished.withLock { answered = true }
            done.signal()
        }
        thread.start()
    }

    /// Whether the answer has come (without waiting for it).
    public var isDone: Bool { finished.withLock { answered } }

    public func wait() throws -> Value {
        done.wait()
        return try result!.get()
    }
}

/// Runs `body(0..<count)` on `count` threads started together; returns when all finish.
public func runConcurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let gate = DispatchSemaphore(value: 0)
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            gate.wait()
            body(index)
            group.leave()
        }
        thread.stackSize = 256 * 1024
        thread.start()
    }
    for _ in 0..<count { gate.signal() }
    group.wait()
}
