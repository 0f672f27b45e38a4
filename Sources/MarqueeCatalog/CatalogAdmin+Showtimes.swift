import MarqueeHTTP
import MarqueeServer
import MarqueeStore

/// Admin writes to showtimes: the end follows from the movie's runtime, and
/// the database's exclusion constraint (cleaning buffer included) turns an
/// overlap into 409 naming the showtime in the way.
extension CatalogAdmin {
    /// `{"movie_id", "auditorium_id", "starts_at", "cleaning_minutes"?, "prices"?}`; the end is
    /// the start plus the movie's runtime. An overlap (cleaning included) is 409 naming the other showtime.
    static func createShowtime(_ context: RequestContext, config: CatalogConfig) {
        write(context, config: config) { () throws(APIError) in
            let body = try JSONBody(context.request, allowed: ["movie_id", "auditorium_id", "starts_at", "cleaning_minutes", "prices"])
            let movie = try body.integer("movie_id", required: true, range: 1...Int64.max)!
            let auditorium = try body.integer("auditorium_id", required: true, range: 1...Int64.max)!
            let start = try body.dateTime("starts_at", required: true)!
            let cleaning = try body.integer("cleaning_minutes", range: 0...240) ?? Int64(config.defaultCleaningMinutes)
            let prices = try validatedPrices(body)
            context.query("""
                INSERT INTO showtimes (movie_id, auditorium_id, starts_at, ends_at, cleaning_minutes, prices)
                SELECT m.id, $2, $3::timestamptz, $3::timestamptz + make_interval(mins => m.runtime_minutes), $4, $5::jsonb
                FROM movies m WHERE m.id = $1 AND m.retired_at IS NULL
                RETURNING id
                """, [String(movie), String(auditorium), ISO8601.format(start), String(cleaning), prices],
                onError: { error in
                    overlapOrMapped(context, error, findConflict: (conflictForNewSQL, [
                        String(movie), String(auditorium), ISO8601.format(start), String(cleaning),
                    ]))
                }) { result in
                guard let id = result.scalar else {
                    context.fail(APIError(.unprocessableContent, code: "unknown_movie",
                                          message: "No current movie with id \(movie).", detailsJSON: "\"movie_id\":\(movie)"))
                    return
                }
                context.invalidateCaches()
                showCreated(context, sql: showtimeSQL, id: id)
            }
        }
    }

    /// `{"status": "cancelled"}` cancels; `starts_at` moves it (overlap rules apply).
    static func updateShowtime(_ context: RequestContext, config: CatalogConfig) {
        write(context, config: config) { () throws(APIError) in
            let id = context.parameters["id"]!
            let body = try JSONBody(context.request, allowed: ["starts_at", "status", "cleaning_minutes", "prices"])
            let start = try body.dateTime("starts_at")
            let status = try body.string("status", maxLength: 20)
            if let status, status != "scheduled" && status != "cancelled" {
                throw JSONBody.invalid("status", "must be scheduled or cancelled")
            }
            let cleaning = try body.integer("cleaning_minutes", range: 0...240)
            let prices = try validatedPrices(body)
            context.query("""
                UPDATE showtimes s SET
                    starts_at = COALESCE($2::timestamptz, s.starts_at),
                    ends_at = COALESCE($2::timestamptz, s.starts_at) + make_interval(mins => m.runtime_minutes),
                    status = COALESCE($3, s.status), cleaning_minutes = COALESCE($4::int, s.cleaning_minutes),
                    prices = COALESCE($5::jsonb, s.prices)
                FROM movies m WHERE s.id = $1 AND m.id = s.movie_id
                RETURNING s.id, s.auditorium_id
                """, [id, start.map(ISO8601.format), status, cleaning.map(String.init), prices],
                onError: { error in
                    overlapOrMapped(context, error, findConflict: (conflictForMovedSQL, [
                        id, start.map(ISO8601.format), cleaning.map(String.init),
                    ]))
                }) { result in
                guard result.scalar != nil else {
                    context.fail(.notFound("No showtime with id \(id)."))
                    return
                }
                context.invalidateCaches()
                showCreated(context, sql: showtimeSQL, id: id, status: .ok)
            }
        }
    }

    static func validatedPrices(_ body: JSONBody) throws(APIError) -> String? {
        guard body.object["prices"] != nil else { return nil }
        guard try !SeatLayout.parsePrices(body.object["prices"], field: "prices").isEmpty else {
            throw JSONBody.invalid("prices", "must map category names to integer cents")
        }
        return body.json("prices")
    }

    static let showtimeSQL = """
        SELECT json_build_object('id', s.id, 'movie_id', s.movie_id, 'auditorium_id', s.auditorium_id,
                 'starts_at', s.starts_at, 'ends_at', s.ends_at, 'cleaning_minutes', s.cleaning_minutes,
                 'prices', COALESCE(s.prices, a.layout -> 'prices'), 'status', s.status)::text
        FROM showtimes s JOIN auditoriums a ON a.id = s.auditorium_id WHERE s.id = $1
        """

    /// An exclusion violation becomes 409 naming the showtime in the way;
    /// `findConflict` is a query returning that showtime's id. So does a
    /// deadlock: two writes racing for one slot each wait for the other's
    /// row in the exclusion check, and PostgreSQL aborts one of them (the
    /// other, or a third, takes the slot): a client's race, not a server error.
    static func overlapOrMapped(_ context: RequestContext, _ error: PostgresError,
                                findConflict: (sql: String, params: [String?])) {
        guard error.constraint == "showtimes_no_overlap" || error.sqlState == "40P01" else {
            context.fail(mapError(error, entity: "showtime"))
            return
        }
        context.query(findConflict.sql, findConflict.params) { result in
            let other = result.scalar
            context.fail(APIError(.conflict, code: "showtime_overlap",
                                  message: "The auditorium is taken at that time (cleaning buffer included)"
                                    + (other.map { " by showtime \($0)." } ?? "."),
                                  detailsJSON: other.map { "\"conflicting_showtime_id\":\($0)" }))
        }
    }

    static let conflictForNewSQL = """
        SELECT o.id FROM showtimes o, movies m
        WHERE m.id = $1 AND o.auditorium_id = $2 AND o.status = 'scheduled'
          AND tstzrange(o.starts_at, marquee_plus_minutes(o.ends_at, o.cleaning_minutes))
              && tstzrange($3::timestamptz, marquee_plus_minutes($3::timestamptz + make_interval(mins => m.runtime_minutes), $4::int))
        ORDER BY o.starts_at LIMIT 1
        """

    static let conflictForMovedSQL = """
        SELECT o.id FROM showtimes me JOIN movies m ON m.id = me.movie_id, showtimes o
        WHERE me.id = $1 AND o.id <> me.id AND o.auditorium_id = me.auditorium_id AND o.status = 'scheduled'
          AND tstzrange(o.starts_at, marquee_plus_minutes(o.ends_at, o.cleaning_minutes))
              && tstzrange(COALESCE($2::timestamptz, me.starts_at),
                           marquee_plus_minutes(COALESCE($2::timestamptz, me.starts_at) + make_interval(mins => m.runtime_minutes),
                                                COALESCE($3::int, me.cleaning_minutes)))
        ORDER BY o.starts_at LIMIT 1
        """
}
