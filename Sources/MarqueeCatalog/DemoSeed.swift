import MarqueeStore

/// `marquee seed --demo`: a deterministic, realistic demo catalog (300
/// movies with genres and casts, 4 theaters with auditoriums of different
/// layouts, two weeks of showtimes from today without overlaps). The same
/// input always gives the same catalog; a second run changes nothing.
public enum DemoSeed {
    public struct Summary: Sendable {
        public let seeded: Bool
        public let movies: Int
        public let showtimes: Int
    }

    public static func run(url: String, movieCount: Int = 300) throws -> Summary {
        let db = try BlockingConnection(url: url)
        defer { db.close() }
        try db.execute("SET client_min_messages = warning")
        try db.execute("CREATE TABLE IF NOT EXISTS demo_seed (seeded_at timestamptz NOT NULL DEFAULT now())")
        try db.execute("SELECT pg_advisory_lock(727172002)")
        defer { _ = try? db.execute("SELECT pg_advisory_unlock(727172002)") }
        if try db.query("SELECT count(*) FROM demo_seed").scalar != "0" {
            return try summary(db, seeded: false)
        }
        var random = SplitMix(seed: 0x6d61_7271_7565_6521)
        try db.execute("BEGIN")
        do {
            try db.query("INSERT INTO genres (name) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", [array(genres)])
            let people = (0..<400).map { index in
                "\(firstNames[index % firstNames.count]) \(lastNames[(index * 7 + index / firstNames.count) % lastNames.count])"
            }
            try db.query("INSERT INTO people (name) SELECT unnest($1::text[])", [array(people)])

            var titles: [String] = []
            var seen = Set<String>()
            while titles.count < movieCount {
                let title = "\(random.pick(titleStarts)) \(random.pick(titleEnds))"
                    + (random.next() % 5 == 0 ? " \(random.pick(["II", "III", "Returns", "Reloaded", "Rising"]))" : "")
                if seen.insert(title).inserted { titles.append(title) }
            }
            let runtimes = titles.map { _ in String(85 + Int(random.next() % 80)) }
            let ratings = titles.map { _ in random.pick(["G", "PG", "PG-13", "PG-13", "R", "NR"]) }
            let releases = titles.map { _ in "20\(10 + random.next() % 17)-\(pad(1 + Int(random.next() % 12)))-\(pad(1 + Int(random.next() % 28)))" }
            let synopses = titles.map { "\($0): \(random.pick(synopsisLines))" }
            try db.query("""
                INSERT INTO movies (title, synopsis, runtime_minutes, rating, release_date, poster_url)
                SELECT t, s, r::int, g, d::date, 'https://posters.example/' || md5(t) || '.jpg'
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS x(t, s, r, g, d)
                """, [array(titles), array(synopses), array(runtimes), array(ratings), array(releases)])
            // Two or three genres each, five to eight billed cast members each.
            try db.execute("""
                INSERT INTO movie_genres (movie_id, genre_id)
                SELECT DISTINCT m.id, g.id FROM movies m
                JOIN LATERAL (SELECT id FROM genres ORDER BY md5(m.title || name) LIMIT 2 + (m.id % 2)::int) g ON true;
                INSERT INTO cast_members (movie_id, person_id, role, billing_order)
                SELECT m.id, p.id, 'Character ' || p.rank, p.rank - 1 FROM movies m
                JOIN LATERAL (SELECT id, row_number() OVER () AS rank
                              FROM (SELECT id FROM people ORDER BY md5(m.title || id::text) LIMIT 5 + (m.id % 4)::int) q) p ON true;
                """)
            let theaterRows: [[String?]] = [
                ["Marquee Central", "12 Main Street, Springfield", "America/New_York"],
                ["Rex Grand", "1 Boulevard Poissonnière, Paris", "Europe/Paris"],
                ["Harbour Lights", "4 Quay Road, Sydney", "Australia/Sydney"],
                ["Odeon Park", "88 Park Lane, London", "Europe/London"],
            ]
            for row in theaterRows {
                try db.query("INSERT INTO theaters (name, address, time_zone) VALUES ($1, $2, $3)", row)
            }
            for (theater, layouts) in auditoriumPlan.enumerated() {
                for (index, layout) in layouts.enumerated() {
                    try db.query("""
                        INSERT INTO auditoriums (theater_id, name, layout, seat_count)
                        SELECT t.id, $2, $3::jsonb, $4::int FROM theaters t WHERE t.name = $1
                        """, [theaterRows[theater][0], "Screen \(index + 1)", layout.json, String(layout.seatCount)])
                }
            }
            // Each auditorium: from 10:00 local until the last start before
            // 23:00, films back to back with their cleaning buffer, rounded
            // up to the quarter hour. The exclusion constraint checks it.
            try db.execute("""
                DO $$
                DECLARE a record; d date; t timestamptz; m record; n int := 0;
                BEGIN
                  FOR a IN SELECT au.id, th.time_zone FROM auditoriums au JOIN theaters th ON th.id = au.theater_id ORDER BY au.id LOOP
                    FOR d IN SELECT generate_series(current_date, current_date + 13, interval '1 day')::date LOOP
                      t := (d + time '10:00') AT TIME ZONE a.time_zone;
                      WHILE t < (d + time '23:00') AT TIME ZONE a.time_zone LOOP
                        n := n + 1;
                        SELECT id, runtime_minutes INTO m FROM movies
                          ORDER BY md5(a.id::text || d::text || n::text) LIMIT 1;
                        INSERT INTO showtimes (movie_id, auditorium_id, starts_at, ends_at, cleaning_minutes)
                          VALUES (m.id, a.id, t, t + make_interval(mins => m.runtime_minutes), 15);
                        t := t + make_interval(mins => ((m.runtime_minutes + 15 + 14) / 15) * 15);
                      END LOOP;
                    END LOOP;
                  END LOOP;
                END $$;
                """)
            try db.execute("INSERT INTO demo_seed DEFAULT VALUES")
            try db.execute("COMMIT")
        } catch {
            _ = try? db.execute("ROLLBACK")
            throw error
        }
        try db.execute("SELECT pg_notify('marquee_cache_invalidate', '')")
        return try summary(db, seeded: true)
    }

    static func summary(_ db: BlockingConnection, seeded: Bool) throws -> Summary {
        let counts = try db.query("SELECT (SELECT count(*) FROM movies), (SELECT count(*) FROM showtimes)")
        return Summary(seeded: seeded, movies: Int(counts.int(0, 0) ?? 0), showtimes: Int(counts.int(0, 1) ?? 0))
    }

    static func array(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }

    static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Layouts of different sizes and shapes per theater.
    static let auditoriumPlan: [[SeatLayout]] = [
        [layout(12, 18, aisles: [4, 14], premiumRows: 2), layout(8, 12, aisles: [6], premiumRows: 1), layout(6, 10, aisles: [], premiumRows: 0)],
        [layout(20, 30, aisles: [8, 22], premiumRows: 3), layout(10, 16, aisles: [8], premiumRows: 2)],
        [layout(14, 20, aisles: [5, 15], premiumRows: 2), layout(5, 8, aisles: [], premiumRows: 5)],
        [layout(16, 24, aisles: [6, 18], premiumRows: 3), layout(9, 14, aisles: [7], premiumRows: 1), layout(7, 9, aisles: [], premiumRows: 0)],
    ]

    static func layout(_ rows: Int, _ columns: Int, aisles: [Int], premiumRows: Int) -> SeatLayout {
        let labels = SeatLayout.defaultRowLabels(rows)
        var categories: [String: String] = [:]
        // Premium: the rows two thirds back; accessible: the front row's ends.
        let firstPremium = max(0, rows * 2 / 3 - premiumRows / 2)
        for row in firstPremium..<min(rows, firstPremium + premiumRows) {
            for column in 1...columns { categories["\(labels[row])\(column)"] = "premium" }
        }
        categories["A1"] = "accessible"
        categories["A\(columns)"] = "accessible"
        let removed: Set<String> = rows >= 10 ? ["A2", "A\(columns - 1)"] : []
        return SeatLayout(rows: rows, columns: columns, rowLabels: labels, aislesAfter: aisles, removed: removed,
                          categories: categories, prices: ["standard": 1250, "premium": 1850, "accessible": 950])
    }

    static let genres = ["Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family",
                         "Fantasy", "History", "Horror", "Music", "Mystery", "Romance", "Science Fiction", "Thriller", "War", "Western"]
    static let firstNames = ["Ava", "Noah", "Léa", "Mateo", "Yuki", "Amara", "Liam", "Sofía", "Ines", "Kwame", "Chloé", "Ravi",
                             "Freya", "Tomás", "Mei", "Olu", "Hana", "Lucas", "Zoë", "Emil"]
    static let lastNames = ["Moreau", "Okafor", "Tanaka", "García", "Novak", "Lindqvist", "Haddad", "O'Brien", "Kowalski",
                            "Fernández", "Nakamura", "Dubois", "Mensah", "Rossi", "Ødegaard", "Silva", "Brennan", "Ivanova", "Çelik", "Park"]
    static let titleStarts = ["The Last", "Midnight", "Silent", "Crimson", "Electric", "Forgotten", "Golden", "Hidden", "Iron",
                              "Lost", "Northern", "Paper", "Quiet", "Restless", "Shattered", "Summer", "Wild", "Winter", "Broken", "Distant"]
    static let titleEnds = ["Horizon", "Harbour", "Kingdom", "Protocol", "Garden", "Signal", "Frontier", "Letters", "Orchestra",
                            "Voyage", "Echoes", "Empire", "Lighthouse", "Alibi", "Circus", "Dynasty", "Tides", "Cartographer", "Heist", "Parade"]
    static let synopsisLines = ["a story of courage against impossible odds.", "two strangers, one secret, one night.",
                                "a family reunion goes spectacularly wrong.", "the heist of the century, told backwards.",
                                "a small town discovers it is not alone.", "an unlikely friendship that changes everything."]
}

/// A tiny deterministic generator (SplitMix64): the same demo every time.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
}
