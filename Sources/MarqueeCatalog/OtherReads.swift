import MarqueeHTTP
import MarqueeServer
import MarqueeStore

/// Genres, people, theaters, auditoriums and showtimes: the rest of the
/// catalog's reads, paged like movies.
enum OtherReads {
    static func genres(_ context: RequestContext, config: CatalogConfig) {
        simpleList(context, config: config, allowed: ["limit", "cursor"]) { (_, cursor, limit) throws(APIError) in
            ("""
             SELECT json_build_object('id', g.id, 'name', g.name)::text, lower(g.name), g.id FROM genres g
             WHERE ($1::text IS NULL OR (lower(g.name), g.id) > ($1, $2::bigint))
             ORDER BY lower(g.name), g.id LIMIT $3
             """, [cursor?.key, cursor.map { String($0.id) }, String(limit + 1)])
        }
    }

    static func actors(_ context: RequestContext, config: CatalogConfig) {
        simpleList(context, config: config, allowed: ["q", "limit", "cursor"]) { (query, cursor, limit) throws(APIError) in
            ("""
             SELECT json_build_object('id', p.id, 'name', p.name,
                      'movie_count', (SELECT count(DISTINCT c.movie_id) FROM cast_members c WHERE c.person_id = p.id))::text,
                    lower(p.name), p.id
             FROM people p
             WHERE ($1::text IS NULL OR marquee_fold(p.name) LIKE marquee_contains_pattern($1))
               AND ($2::text IS NULL OR (lower(p.name), p.id) > ($2, $3::bigint))
             ORDER BY lower(p.name), p.id LIMIT $4
             """, [try query.text("q"), cursor?.key, cursor.map { String($0.id) }, String(limit + 1)])
        }
    }

    static func theaters(_ context: RequestContext, config: CatalogConfig) {
        simpleList(context, config: config, allowed: ["limit", "cursor"]) { (_, cursor, limit) throws(APIError) in
            ("""
             SELECT json_build_object('id', t.id, 'name', t.name, 'address', t.address, 'time_zone', t.time_zone,
                      'auditoriums', COALESCE((SELECT json_agg(json_build_object('id', a.id, 'name', a.name,
                                                 'seat_count', a.seat_count) ORDER BY a.name)
                                               FROM auditoriums a WHERE a.theater_id = t.id), '[]'::json))::text,
                    lower(t.name), t.id
             FROM theaters t
             WHERE ($1::text IS NULL OR (lower(t.name), t.id) > ($1, $2::bigint))
             ORDER BY lower(t.name), t.id LIMIT $3
             """, [cursor?.key, cursor.map { String($0.id) }, String(limit + 1)])
        }
    }

    static let showtimeParameters: Set<String> = ["movie", "theater", "from", "to", "limit", "cursor"]

    /// Scheduled showtimes, soonest first; without `from`, those not yet started.
    static func showtimes(_ context: RequestContext, config: CatalogConfig) {
        do throws(APIError) {
            let query = try context.queryParameters(allowed: showtimeParameters)
            let range = try DateRange.parse(from: query["from"], to: query["to"], maxDays: config.maxRangeDays)
            let movie = try query.id("movie")
            let theater = try query.id("theater")
            let limit = try query.limit()
            let cursor = try Cursor.decode(query["cursor"])
            if let cursor, Int64(cursor.key) == nil {
                throw APIError(.badRequest, code: "invalid_cursor", message: "The cursor is not one this API returned.")
            }
            let params: [String?] = [
                movie.map(String.init), theater.map(String.init), sqlTimestamp(range.from), sqlTimestamp(range.to),
                cursor?.key, cursor.map { String($0.id) }, String(limit + 1),
            ]
            context.cached(cacheKey(context), ttlMilliseconds: config.cacheTTLMilliseconds) { respond in
                respondWithPage(context, sql: """
                    SELECT json_build_object('id', s.id, 'movie_id', m.id, 'movie_title', m.title,
                             'theater_id', t.id, 'theater', t.name, 'auditorium_id', a.id, 'auditorium', a.name,
                             'starts_at', s.starts_at, 'ends_at', s.ends_at, 'status', s.status)::text,
                           extract(epoch FROM s.starts_at)::bigint::text, s.id
                    FROM showtimes s JOIN movies m ON m.id = s.movie_id
                    JOIN auditoriums a ON a.id = s.auditorium_id JOIN theaters t ON t.id = a.theater_id
                    WHERE s.status = 'scheduled'
                      AND ($1::bigint IS NULL OR s.movie_id = $1)
                      AND ($2::bigint IS NULL OR a.theater_id = $2)
                      AND s.starts_at >= COALESCE($3::timestamptz, now())
                      AND ($4::timestamptz IS NULL OR s.starts_at < $4)
                      AND ($5::text IS NULL OR (s.starts_at, s.id) > (to_timestamp($5::bigint), $6::bigint))
                    ORDER BY s.starts_at, s.id LIMIT $7
                    """, params: params, limit: limit, respond: respond)
            }
        } catch {
            context.fail(error)
        }
    }

    static func showtime(_ context: RequestContext, config: CatalogConfig) {
        let id = context.parameters["id"]!
        single(context, config: config, what: "showtime", id: id, sql: """
            SELECT json_build_object('id', s.id, 'movie', json_build_object('id', m.id, 'title', m.title,
                       'runtime_minutes', m.runtime_minutes, 'rating', m.rating),
                     'theater', json_build_object('id', t.id, 'name', t.name, 'time_zone', t.time_zone),
                     'auditorium', json_build_object('id', a.id, 'name', a.name, 'seat_count', a.seat_count),
                     'starts_at', s.starts_at, 'ends_at', s.ends_at, 'cleaning_minutes', s.cleaning_minutes,
                     'prices', COALESCE(s.prices, a.layout -> 'prices'), 'status', s.status)::text
            FROM showtimes s JOIN movies m ON m.id = s.movie_id
            JOIN auditoriums a ON a.id = s.auditorium_id JOIN theaters t ON t.id = a.theater_id
            WHERE s.id = $1
            """)
    }

    static func auditorium(_ context: RequestContext, config: CatalogConfig) {
        let id = context.parameters["id"]!
        single(context, config: config, what: "auditorium", id: id, sql: """
            SELECT json_build_object('id', a.id, 'name', a.name, 'theater_id', a.theater_id, 'theater', t.name,
                     'seat_count', a.seat_count, 'layout', a.layout)::text
            FROM auditoriums a JOIN theaters t ON t.id = a.theater_id WHERE a.id = $1
            """)
    }

    // MARK: Shared shapes

    /// One object by id, cached; a missing row is 404. With `statement`
    /// the query is prepared once per connection.
    static func single(_ context: RequestContext, config: CatalogConfig, what: String, id: String, sql: String,
                       statement: PreparedStatement? = nil) {
        context.cached(cacheKey(context), ttlMilliseconds: config.cacheTTLMilliseconds) { respond in
            let handle: (QueryResult) -> Void = { result in
                guard let json = result.scalar else {
                    respond(.error(.notFound("No \(what) with id \(id).")))
                    return
                }
                respond(.json(.ok, json))
            }
            runQuery(context, statement: statement, sql: sql, params: [id], handle)
        }
    }

    private static func simpleList(
        _ context: RequestContext, config: CatalogConfig, allowed: Set<String>,
        _ build: (QueryParameters, Cursor?, Int) throws(APIError) -> (String, [String?])
    ) {
        do throws(APIError) {
            let query = try context.queryParameters(allowed: allowed)
            let limit = try query.limit()
            let cursor = try Cursor.decode(query["cursor"])
            let (sql, params) = try build(query, cursor, limit)
            context.cached(cacheKey(context), ttlMilliseconds: config.cacheTTLMilliseconds) { respond in
                respondWithPage(context, sql: sql, params: params, limit: limit, respond: respond)
            }
        } catch {
            context.fail(error)
        }
    }
}
