import MarqueeHTTP
import MarqueeServer
import MarqueeStore

/// `GET /v1/movies` and `GET /v1/movies/{id}`.
enum MovieReads {
    static let listParameters: Set<String> = ["genre", "actor", "q", "from", "to", "limit", "cursor"]

    static func list(_ context: RequestContext, config: CatalogConfig) {
        do throws(APIError) {
            let query = try context.queryParameters(allowed: listParameters)
            let genre = try query.text("genre")
            let actor = try query.text("actor")
            let text = try query.text("q")
            let range = try DateRange.parse(from: query["from"], to: query["to"], maxDays: config.maxRangeDays)
            let limit = try query.limit()
            let cursor = try Cursor.decode(query["cursor"])
            // A number names a genre or person by id, anything else by name.
            let genreID = genre.flatMap { Int64($0) }
            let actorID = actor.flatMap { Int64($0) }
            let params: [String?] = [
                genreID.map(String.init), genreID == nil ? genre : nil,
                actorID.map(String.init), actorID == nil ? actor : nil,
                text, sqlTimestamp(range.from), sqlTimestamp(range.to),
                cursor?.key, cursor.map { String($0.id) }, String(limit + 1),
            ]
            context.cached(cacheKey(context), ttlMilliseconds: config.cacheTTLMilliseconds) { respond in
                respondWithPage(context, statement: listStatement, sql: listSQL, params: params, limit: limit, respond: respond)
            }
        } catch {
            context.fail(error)
        }
    }

    static let listSQL = """
        SELECT json_build_object(
                 'id', m.id, 'title', m.title, 'runtime_minutes', m.runtime_minutes, 'rating', m.rating,
                 'release_date', m.release_date, 'poster_url', m.poster_url,
                 'genres', COALESCE((SELECT json_agg(g.name ORDER BY g.name) FROM movie_genres mg
                                     JOIN genres g ON g.id = mg.genre_id WHERE mg.movie_id = m.id), '[]'::json)
               )::text, lower(m.title), m.id
        FROM movies m
        WHERE m.retired_at IS NULL
          AND ($1::bigint IS NULL OR EXISTS (SELECT 1 FROM movie_genres mg WHERE mg.movie_id = m.id AND mg.genre_id = $1))
          AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
                                           WHERE mg.movie_id = m.id AND lower(g.name) = lower($2)))
          AND ($3::bigint IS NULL OR EXISTS (SELECT 1 FROM cast_members c WHERE c.movie_id = m.id AND c.person_id = $3))
          AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM cast_members c JOIN people p ON p.id = c.person_id
                                           WHERE c.movie_id = m.id AND marquee_fold(p.name) LIKE marquee_contains_pattern($4)))
          AND ($5::text IS NULL OR marquee_fold(m.title) LIKE marquee_contains_pattern($5))
          AND (($6::timestamptz IS NULL AND $7::timestamptz IS NULL)
               OR EXISTS (SELECT 1 FROM showtimes s WHERE s.movie_id = m.id AND s.status = 'scheduled'
                          AND ($6::timestamptz IS NULL OR s.starts_at >= $6)
                          AND ($7::timestamptz IS NULL OR s.starts_at < $7)))
          AND ($8::text IS NULL OR (lower(m.title), m.id) > ($8, $9::bigint))
        ORDER BY lower(m.title), m.id
        LIMIT $10
        """

    // The hot reads: parsed and planned once per connection.
    static let listStatement = PreparedStatement("movies_list", listSQL)
    static let detailStatement = PreparedStatement("movie_detail", detailSQL)

    static func detail(_ context: RequestContext, config: CatalogConfig) {
        OtherReads.single(context, config: config, what: "movie", id: context.parameters["id"]!,
                          sql: detailSQL, statement: detailStatement)
    }

    static let detailSQL = """
        SELECT json_build_object(
          'id', m.id, 'title', m.title, 'synopsis', m.synopsis, 'runtime_minutes', m.runtime_minutes,
          'rating', m.rating, 'release_date', m.release_date, 'poster_url', m.poster_url,
          'retired', m.retired_at IS NOT NULL,
          'genres', COALESCE((SELECT json_agg(json_build_object('id', g.id, 'name', g.name) ORDER BY g.name)
                              FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id WHERE mg.movie_id = m.id), '[]'::json),
          'cast', COALESCE((SELECT json_agg(json_build_object('person_id', p.id, 'name', p.name, 'role', c.role,
                                                              'billing_order', c.billing_order)
                                            ORDER BY c.billing_order, p.name)
                            FROM cast_members c JOIN people p ON p.id = c.person_id WHERE c.movie_id = m.id), '[]'::json),
          'upcoming_showtimes', COALESCE((SELECT json_agg(x.item ORDER BY x.starts_at) FROM (
              SELECT s.starts_at, json_build_object('id', s.id, 'starts_at', s.starts_at, 'ends_at', s.ends_at,
                       'auditorium_id', a.id, 'auditorium', a.name, 'theater_id', t.id, 'theater', t.name) AS item
              FROM showtimes s JOIN auditoriums a ON a.id = s.auditorium_id JOIN theaters t ON t.id = a.theater_id
              WHERE s.movie_id = m.id AND s.status = 'scheduled' AND s.starts_at > now()
              ORDER BY s.starts_at LIMIT 50) x), '[]'::json)
        )::text
        FROM movies m WHERE m.id = $1 AND m.retired_at IS NULL
        """
}
