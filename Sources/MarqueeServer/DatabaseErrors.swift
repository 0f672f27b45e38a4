import MarqueeHTTP
import MarqueeStore

/// The answers to a query that failed, one definition for every route.
extension APIError {
    /// PostgreSQL is unreachable (or a query's outcome is unknown): retry shortly.
    public static let databaseUnavailable = APIError(.serviceUnavailable, code: "database_unavailable",
                                                     message: "The database is not reachable; retry shortly.",
                                                     headers: [HTTPResponse.Field(name: "Retry-After", value: "1")])
    public static let internalError = APIError(.internalServerError, code: "internal_error", message: "The request failed on our side.")

    /// 503 when the database went away, 500 for anything else.
    public init(databaseFailure error: PostgresError) {
        self = error.isUnavailable ? .databaseUnavailable : .internalError
    }
}
