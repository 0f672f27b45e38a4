import MarqueeHTTP
import MarqueeServer
import MarqueeStore

/// Bookings as PostgreSQL holds them (the durable truth), for their owner only.
enum BookingReads {
    static let json = """
        json_build_object('id', 'bkg_' || b.showtime_id || '_' || b.booking_no, 'showtime_id', b.showtime_id,
          'seats', b.seat_labels, 'total', b.total_cents, 'currency', b.currency, 'status', b.status,
          'payment', json_build_object('intent', b.payment_intent, 'status', b.payment_status),
          'created_at', to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
          'cancelled_at', to_char(b.cancelled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
          'showtime', json_build_object('starts_at', to_char(s.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                        'movie_id', s.movie_id, 'movie_title', m.title, 'auditorium_id', s.auditorium_id))
        """
    static let from = """
        FROM bookings b JOIN showtimes s ON s.id = b.showtime_id JOIN movies m ON m.id = s.movie_id
        """

    static let notFound = APIError(.notFound, code: "booking_not_found", message: "No such booking of yours.")

    static func fetch(_ database: PostgresConnection, showtime: Int64, number: UInt32, user: Int64,
                      _ completion: @escaping (Result<String, APIError>) -> Void) {
        database.query("SELECT \(json)::text \(from) WHERE b.showtime_id = $1 AND b.booking_no = $2 AND b.user_id = $3",
                       [String(showtime), String(number), String(user)]) { result in
            switch result {
            case .failure(let error):
                completion(.failure(APIError(databaseFailure: error)))
            case .success(let rows):
                if let json = rows.scalar { completion(.success(json)) } else { completion(.failure(notFound)) }
            }
        }
    }

    static func one(_ context: RequestContext, id: String, user: Int64) {
        guard let (showtime, number) = PublicID.parse(id, prefix: "bkg") else { return context.fail(notFound) }
        guard let database = context.database else { return context.fail(APIError.databaseUnavailable) }
        fetch(database, showtime: showtime, number: number, user: user) { result in
            switch result {
            case .success(let json): context.respond(.json(.ok, json))
            case .failure(let error): context.fail(error)
            }
        }
    }

    /// The caller's bookings, newest first: `{"items": [...]}`, at most `limit` (default 50, up to 200).
    static func mine(_ context: RequestContext, user: Int64) {
        let limit: Int
        do throws(APIError) {
            guard let parameters = QueryParameters(context.request.head.query) else {
                throw APIError(.badRequest, code: "invalid_query", message: "The query string has a malformed percent escape.")
            }
            try parameters.validate(allowed: ["limit"])
            limit = try parameters.limit(default: 50, maximum: 200)
        } catch {
            return context.fail(error)
        }
        context.query("""
            SELECT coalesce(json_agg(x.j ORDER BY x.created_at DESC, x.showtime_id DESC, x.booking_no DESC), '[]')::text FROM (
              SELECT \(json) AS j, b.created_at, b.showtime_id, b.booking_no \(from)
              WHERE b.user_id = $1 ORDER BY b.created_at DESC, b.showtime_id DESC, b.booking_no DESC LIMIT $2) x
            """, [String(user), String(limit)]) { result in
            context.respond(.json(.ok, "{\"items\":\(result.scalar ?? "[]")}"))
        }
    }
}
