import Foundation
import Glibc
import MarqueeLoop
import MarqueeStore
import MarqueeUsers

/// What the seat scenarios need in the database, made directly in SQL (fast
/// and repeatable): a bench theater with one 40 x 25 auditorium (1,000
/// seats), 1,000 showtimes in the future, and customers with access tokens
/// signed with the server's JWT secret (no password hashing in the way).
struct BenchCatalog {
    let database: BlockingConnection
    let signer: TokenSigner

    init(databaseURL: String, jwtSecret: String) throws {
        database = try BlockingConnection(url: databaseURL)
        signer = TokenSigner(secret: Array(jwtSecret.utf8), lifetimeSeconds: 86_400)
    }

    static let rows = 40
    static let columns = 25

    /// The 1,000 bench showtimes (made on first use), soonest first.
    func showtimes(count: Int = 1_000) throws -> [Int64] {
        let labels = (0..<Self.rows).map { "\"\(Self.rowLabel($0))\"" }.joined(separator: ",")
        try database.execute("""
            DO $$
            DECLARE t bigint; m bigint; a bigint;
            BEGIN
              IF NOT EXISTS (SELECT 1 FROM theaters WHERE name = 'Bench Palace') THEN
                INSERT INTO theaters (name) VALUES ('Bench Palace') RETURNING id INTO t;
                INSERT INTO movies (title, runtime_minutes) VALUES ('Bench Blockbuster', 120) RETURNING id INTO m;
                INSERT INTO auditoriums (theater_id, name, layout, seat_count)
                  VALUES (t, 'Bench 1', '{"rows":\(Self.rows),"columns":\(Self.columns),"row_labels":[\(labels)],"prices":{"standard":1200}}', \(Self.rows * Self.columns))
                  RETURNING id INTO a;
                INSERT INTO showtimes (movie_id, auditorium_id, starts_at, ends_at)
                  SELECT m, a, date_trunc('hour', now()) + interval '2 days' + g * interval '4 hours',
                         date_trunc('hour', now()) + interval '2 days' + g * interval '4 hours' + interval '120 minutes'
                  FROM generate_series(0, \(count - 1)) g;
              END IF;
            END $$;
            """)
        return try database.query("""
            SELECT s.id FROM showtimes s JOIN auditoriums a ON a.id = s.auditorium_id
            WHERE a.name = 'Bench 1' ORDER BY s.starts_at LIMIT $1
            """, [String(count)]).rows.map { Int64($0[0]!)! }
    }

    /// A to Z, then AA, AB, ... (the layout's own default labels).
    static func rowLabel(_ row: Int) -> String {
        let letter = { (index: Int) -> String in String(UnicodeScalar(UInt8(65 + index))) }
        return row < 26 ? letter(row) : letter(row / 26 - 1) + letter(row % 26)
    }

    /// `count` new bench showtimes (see freshShowtime).
    func freshShowtimes(_ count: Int) throws -> [Int64] {
        try (0..<count).map { _ in try freshShowtime() }
    }

    /// A new bench showtime after all the others: a sale that starts unsold.
    func freshShowtime() throws -> Int64 {
        _ = try showtimes()
        let id = try database.query("""
            INSERT INTO showtimes (movie_id, auditorium_id, starts_at, ends_at)
            SELECT s.movie_id, s.auditorium_id, max(s.starts_at) OVER () + interval '4 hours', max(s.starts_at) OVER () + interval '6 hours'
            FROM showtimes s JOIN auditoriums a ON a.id = s.auditorium_id WHERE a.name = 'Bench 1'
            ORDER BY s.starts_at DESC LIMIT 1
            RETURNING id
            """).scalar
        guard let id, let value = Int64(id) else { throw BenchError("could not add a showtime") }
        return value
    }

    static func label(_ seat: Int) -> String { "\(rowLabel(seat / columns))\(seat % columns + 1)" }

    /// `count` new customers' bearer tokens.
    func customers(_ count: Int, tag: String) throws -> [String] {
        try database.query("""
            INSERT INTO users (email, name, password_hash)
            SELECT $2 || '-' || g || '-' || md5(random()::text) || '@bench.example', 'Bench', 'none' FROM generate_series(1, $1) g
            RETURNING id
            """, [String(count), tag]).rows.map { signer.issue(userID: Int64($0[0]!)!, role: "customer", now: SystemClock.wallSeconds()).token }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
