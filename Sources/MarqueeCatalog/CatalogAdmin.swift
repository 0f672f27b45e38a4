import MarqueeHTTP
import MarqueeServer
import MarqueeStore

/// Admin writes to the catalog. Each is one SQL statement (so one implicit
/// transaction), validated before it is sent, answered with the resource
/// as the reads show it, and followed by a cache invalidation that reaches
/// every shard and instance.
enum CatalogAdmin {
    static let ratings: Set<String> = ["G", "PG", "PG-13", "R", "NC-17", "NR"]

    // MARK: Movies

    static let movieFields: Set<String> = ["title", "synopsis", "runtime_minutes", "rating", "release_date", "poster_url", "genre_ids"]

    static func createMovie(_ context: RequestContext, config: CatalogConfig) {
        write(context, config: config) { () throws(APIError) in
            let body = try JSONBody(context.request, allowed: movieFields)
            let params = try movieParams(body, requireAll: true)
            context.query("""
                WITH m AS (INSERT INTO movies (title, synopsis, runtime_minutes, rating, release_date, poster_url)
                           VALUES ($1, COALESCE($2, ''), $3::int, COALESCE($4, 'NR'), $5::date, $6) RETURNING id),
                     g AS (INSERT INTO movie_genres (movie_id, genre_id)
                           SELECT m.id, unnest(COALESCE($7::bigint[], '{}')) FROM m)
                SELECT id FROM m
                """, params, onError: { context.fail(mapError($0, entity: "movie")) }) { result in
                context.invalidateCaches()
                showCreated(context, sql: MovieReads.detailSQL, id: result.scalar!)
            }
        }
    }

    static func updateMovie(_ context: RequestContext, config: CatalogConfig) {
        write(context, config: config) { () throws(APIError) in
            let id = context.parameters["id"]!
            let body = try JSONBody(context.request, allowed: movieFields)
            var params = try movieParams(body, requireAll: false)
            params.append(id)
            params.append(body.has("genre_ids") ? "t" : "f")
            context.query("""
                WITH m AS (UPDATE movies SET title = COALESCE($1, title), synopsis = COALESCE($2, synopsis),
                             runtime_minutes = COALESCE($3::int, runtime_minutes), rating = COALESCE($4, rating),
                             release_date = COALESCE($5::date, release_date), poster_url = COALESCE($6, poster_url),
                             updated_at = now()
                           WHERE id = $8 RETURNING id),
                     d AS (DELETE FROM movie_genres WHERE $9::boolean AND movie_id IN (SELECT id FROM m)
                             AND genre_id <> ALL (COALESCE($7::bigint[], '{}'))),
                     g AS (INSERT INTO movie_genres (movie_id, genre_id)
                           SELECT m.id, unnest(COALESCE($7::bigint[], '{}')) FROM m WHERE $9::boolean
                           ON CONFLICT DO NOTHING)
                SELECT id FROM m
                """, params, onError: { context.fail(mapError($0, entity: "movie")) }) { result in
                guard let id = result.scalar else {
                    context.fail(.notFound("No movie with id \(id)."))
                    return
                }
                context.invalidateCaches()
                showCreated(context, sql: MovieReads.detailSQL, id: id, status: .ok)
            }
        }
    }

    /// Refused (409) while the movie has scheduled showtimes to come;
    /// otherwise the movie is retired: hidden from listings, kept for history.
    static func deleteMovie(_ context: RequestContext, config: CatalogConfig) {
        write(context, config: config) { () throws(APIError) in
            let id = context.parameters["id"]!
            context.query("""
                SELECT (SELECT count(*) FROM movies WHERE id = $1),
                       (SELECT min(s.id) FROM showtimes s WHERE s.movie_id = $1 AND s.status = 'scheduled' AND s.starts_at > now())
                """, [id]) { result in
                guard result.int(0, 0) == 1 else {
                    context.fail(.notFound("No movie with id \(id)."))
                    return
                }
                if let showtime = result.string(0, 1) {
                    context.fail(APIError(.conflict, code: "movie_has_showtimes",
                                          message: "The movie has scheduled showtimes to come; cancel them first.",
                                          detailsJSON: "\"showtime_id\":\(showtime)"))
                    return
                }
                context.query("""
                    UPDATE movies SET retired_at = COALESCE(retired_at, now()), updated_at = now()
                    WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM showtimes s WHERE s.movie_id = $1
                                                  AND s.status = 'scheduled' AND s.starts_at > now())
                    RETURNING id
                    """, [id]) { retired in
                    guard retired.scalar != nil else {
                        context.fail(APIError(.conflict, code: "movie_has_showtimes",
                                              message: "The movie has scheduled showtimes to come; cancel them first."))
                        return
                    }
                    context.invalidateCaches()
                    context.respond(HTTPResponse(status: .noContent))
                }
            }
        }
    }

    static func movieParams(_ body: JSONBody, requireAll: Bool) throws(APIError) -> [String?] {
        let rating = try body.string("rating", maxLength: 5)
        if let rating, !ratings.contains(rating) {
            throw JSONBody.invalid("rating", "must be one of \(ratings.sorted().joined(separator: ", "))")
        }
        let genres = try body.idArray("genre_ids")
        return [
            try body.string("title", required: requireAll, maxLength: 300),
            try body.string("synopsis", maxLength: 5000, allowEmpty: true),
            try body.integer("runtime_minutes", required: requireAll, range: 1...1000).map(String.init),
            rating,
            try body.date("release_date"),
            try body.string("poster_url", maxLength: 2000),
            genres.map { "{" + $0.map(String.init).joined(separator: ",") + "}" },
        ]
    }

    // MARK: Cast

    /// Replaces a movie's cast: `[{"person_id": 1, "role": "Paul", "billing_order": 0}, ...]`.
    static func replaceCast(_ context: RequestContext, config: CatalogConfig) {
        write(context, config: config) { () throws(APIError) in
            let id = context.parameters["id"]!
            let body = try JSONBody(context.request, allowed: ["cast"])
            guard let entries = body.object["cast"] as? [[String: Any]], entries.count <= 200 else {
                throw JSONBody.invalid("cast", "must be an array of at most 200 {person_id, role, billing_order} objects")
            }
            var seen = Set<String>()
            for (index, entry) in entries.enumerated() {
                for key in entry.keys where !["person_id", "role", "billing_order"].contains(key) {
                    throw JSONBody.invalid("cast[\(index)].\(key)", "is not a cast field")
                }
                let fields = try JSONBody(object: entry)
                let person = try fields.integer("person_id", required: true, range: 1...Int64.max)!
                let role = try fields.string("role", maxLength: 200, allowEmpty: true) ?? ""
                _ = try fields.integer("billing_order", range: 0...10_000)
                guard seen.insert("\(person)\u{0}\(role)").inserted else {
                    throw JSONBody.invalid("cast[\(index)]", "repeats a person in the same role")
                }
            }
            context.query("""
                WITH movie AS (SELECT id FROM movies WHERE id = $1),
                     x AS (SELECT * FROM json_to_recordset($2::json) AS x(person_id bigint, role text, billing_order int)),
                     d AS (DELETE FROM cast_members c WHERE c.movie_id IN (SELECT id FROM movie) AND NOT EXISTS
                             (SELECT 1 FROM x WHERE x.person_id = c.person_id AND COALESCE(x.role, '') = c.role)),
                     u AS (INSERT INTO cast_members (movie_id, person_id, role, billing_order)
                           SELECT movie.id, x.person_id, COALESCE(x.role, ''), COALESCE(x.billing_order, 0) FROM movie, x
                           ON CONFLICT (movie_id, person_id, role) DO UPDATE SET billing_order = EXCLUDED.billing_order)
                SELECT id FROM movie
                """, [id, body.json("cast")], onError: { context.fail(mapError($0, entity: "cast")) }) { result in
                guard result.scalar != nil else {
                    context.fail(.notFound("No movie with id \(id)."))
                    return
                }
                context.invalidateCaches()
                showCreated(context, sql: MovieReads.detailSQL, id: id, status: .ok)
            }
        }
    }

    // MARK: Genres, people, theaters

    static func createNamed(_ context: RequestContext, config: CatalogConfig, table: String, entity: String,
                            extraFields: [String] = [], showSQL: String) {
        write(context, config: config) { () throws(APIError) in
            let body = try JSONBody(context.request, allowed: Set(["name"] + extraFields))
            var params: [String?] = [try body.string("name", required: true, maxLength: entity == "genre" ? 60 : 200)]
            for field in extraFields { params.append(try validatedExtra(body, field)) }
            let columns = (["name"] + extraFields).joined(separator: ", ")
            // Absent optional fields take their defaults.
            let values = (["name"] + extraFields).enumerated()
                .map { "COALESCE($\($0.offset + 1), \(defaults[$0.element] ?? "NULL"))" }.joined(separator: ", ")
            context.query("INSERT INTO \(table) (\(columns)) VALUES (\(values)) RETURNING id",
                          params, onError: { context.fail(mapError($0, entity: entity)) }) { result in
                context.invalidateCaches()
                showCreated(context, sql: showSQL, id: result.scalar!)
            }
        }
    }

    static func updateNamed(_ context: RequestContext, config: CatalogConfig, table: String, entity: String,
                            extraFields: [String] = [], showSQL: String) {
        write(context, config: config) { () throws(APIError) in
            let id = context.parameters["id"]!
            let body = try JSONBody(context.request, allowed: Set(["name"] + extraFields))
            var params: [String?] = [try body.string("name", maxLength: entity == "genre" ? 60 : 200)]
            for field in extraFields { params.append(try validatedExtra(body, field)) }
            let assignments = (["name"] + extraFields).enumerated()
                .map { "\($0.element) = COALESCE($\($0.offset + 1), \($0.element))" }.joined(separator: ", ")
            params.append(id)
            context.query("UPDATE \(table) SET \(assignments) WHERE id = $\(params.count) RETURNING id", params,
                          onError: { context.fail(mapError($0, entity: entity)) }) { result in
                guard result.scalar != nil else {
                    context.fail(.notFound("No \(entity) with id \(id)."))
                    return
                }
                context.invalidateCaches()
                showCreated(context, sql: showSQL, id: id, status: .ok)
            }
        }
    }

    /// Refused with 409 while anything refers to it.
    static func deleteNamed(_ context: RequestContext, config: CatalogConfig, table: String, entity: String) {
        write(context, config: config) { () throws(APIError) in
            let id = context.parameters["id"]!
            context.query("DELETE FROM \(table) WHERE id = $1 RETURNING id", [id], onError: { error in
                // On a delete, a foreign-key violation means something still refers to the row.
                context.fail(error.sqlState == "23503"
                    ? APIError(.conflict, code: "\(entity)_in_use", message: "The \(entity) is still in use.")
                    : mapError(error, entity: entity))
            }) { result in
                guard result.scalar != nil else {
                    context.fail(.notFound("No \(entity) with id \(id)."))
                    return
                }
                context.invalidateCaches()
                context.respond(HTTPResponse(status: .noContent))
            }
        }
    }

    static let defaults = ["address": "''", "time_zone": "'UTC'"]

    static func validatedExtra(_ body: JSONBody, _ field: String) throws(APIError) -> String? {
        switch field {
        case "address": return try body.string("address", maxLength: 500, allowEmpty: true)
        case "time_zone":
            let zone = try body.string("time_zone", maxLength: 64)
            if let zone, !zone.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_+-".contains($0)) }) {
                throw JSONBody.invalid("time_zone", "must be an IANA zone name like Europe/Paris")
            }
            return zone
        default: return nil
        }
    }

    // MARK: Auditoriums

    static func createAuditorium(_ context: RequestContext, config: CatalogConfig) {
        write(context, config: config) { () throws(APIError) in
            let body = try JSONBody(context.request, allowed: ["theater_id", "name", "layout"])
            let theater = try body.integer("theater_id", required: true, range: 1...Int64.max)!
            let name = try body.string("name", required: true, maxLength: 100)!
            let layout = try SeatLayout.parse(body.object["layout"])
            context.query("""
                INSERT INTO auditoriums (theater_id, name, layout, seat_count) VALUES ($1, $2, $3::jsonb, $4) RETURNING id
                """, [String(theater), name, layout.json, String(layout.seatCount)],
                onError: { context.fail(mapError($0, entity: "auditorium")) }) { result in
                context.invalidateCaches()
                showCreated(context, sql: auditoriumSQL, id: result.scalar!)
            }
        }
    }

    /// A layout cannot change under scheduled showtimes to come: their seat maps depend on it.
    static func updateAuditorium(_ context: RequestContext, config: CatalogConfig) {
        write(context, config: config) { () throws(APIError) in
            let id = context.parameters["id"]!
            let body = try JSONBody(context.request, allowed: ["name", "layout"])
            let name = try body.string("name", maxLength: 100)
            let layout = try body.object["layout"] != nil ? SeatLayout.parse(body.object["layout"]) : nil
            context.query("""
                UPDATE auditoriums SET name = COALESCE($1, name), layout = COALESCE($2::jsonb, layout),
                       seat_count = COALESCE($3::int, seat_count)
                WHERE id = $4 AND ($2::jsonb IS NULL OR NOT EXISTS (SELECT 1 FROM showtimes s WHERE s.auditorium_id = $4
                                                           AND s.status = 'scheduled' AND s.starts_at > now()))
                RETURNING id
                """, [name, layout?.json, layout.map { String($0.seatCount) }, id],
                onError: { context.fail(mapError($0, entity: "auditorium")) }) { result in
                guard result.scalar != nil else {
                    // Either missing or locked by showtimes: tell which.
                    context.query("SELECT count(*) FROM auditoriums WHERE id = $1", [id]) { exists in
                        if exists.int(0, 0) == 1 {
                            context.fail(APIError(.conflict, code: "auditorium_has_showtimes",
                                                  message: "The layout cannot change while showtimes to come use it."))
                        } else {
                            context.fail(.notFound("No auditorium with id \(id)."))
                        }
                    }
                    return
                }
                context.invalidateCaches()
                showCreated(context, sql: auditoriumSQL, id: id, status: .ok)
            }
        }
    }

    static let auditoriumSQL = """
        SELECT json_build_object('id', a.id, 'name', a.name, 'theater_id', a.theater_id, 'theater', t.name,
                 'seat_count', a.seat_count, 'layout', a.layout)::text
        FROM auditoriums a JOIN theaters t ON t.id = a.theater_id WHERE a.id = $1
        """

    // MARK: Shared

    static func write(_ context: RequestContext, config: CatalogConfig, _ body: @escaping () throws(APIError) -> Void) {
        AdminAuth.check(context, config: config) {
            do throws(APIError) {
                try body()
            } catch {
                context.fail(error)
            }
        }
    }

    static func showCreated(_ context: RequestContext, sql: String, id: String, status: HTTPStatus = .created) {
        context.query(sql, [id]) { result in
            context.respond(.json(status, result.scalar ?? "{\"id\":\(id)}"))
        }
    }

    /// Constraint violations as client errors; anything else is ours (500).
    static func mapError(_ error: PostgresError, entity: String) -> APIError {
        switch error.sqlState {
        case "23505":
            return APIError(.conflict, code: "\(entity)_exists", message: "A \(entity) with that name already exists.")
        case "23503":
            return APIError(.unprocessableContent, code: "unknown_reference",
                            message: "A referenced id does not exist.", detailsJSON: error.constraint.map { "\"constraint\":\(JSONText.quoted($0))" })
        case "23514", "22007", "22008", "22P02":
            return APIError(.badRequest, code: "invalid_field", message: "A field is out of range.")
        default:
            return APIError.internalError
        }
    }
}
