/// Why a query did not succeed. `unavailable` and `connectionLost` mean the
/// database could not be asked or did not answer (503 to a client, never a
/// false success); `server` is PostgreSQL's own error with its SQLSTATE.
public enum PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    case unavailable(String)
    case connectionLost(String)
    case server(sqlState: String, message: String, detail: String?, constraint: String?)
    case aborted
    case tooManyQueued

    public var description: String {
        switch self {
        case .unavailable(let why): return "database unavailable: \(why)"
        case .connectionLost(let why): return "database connection lost: \(why)"
        case .server(let state, let message, let detail, _):
            return "PostgreSQL error \(state): \(message)" + (detail.map { " (\($0))" } ?? "")
        case .aborted: return "query not run: an earlier query of its pipeline failed"
        case .tooManyQueued: return "too many queries waiting for the database"
        }
    }

    /// SQLSTATE classes the callers map to client errors.
    public var sqlState: String? {
        if case .server(let state, _, _, _) = self { return state }
        return nil
    }

    public var constraint: String? {
        if case .server(_, _, _, let constraint) = self { return constraint }
        return nil
    }

    /// True when the query never left this process (its connection's
    /// queue was full): nothing of it ran, unlike a query the database
    /// may have run before its answer was lost.
    public var wasNotSent: Bool { self == .tooManyQueued }

    /// True when the database itself is unreachable, rather than the query wrong.
    public var isUnavailable: Bool {
        switch self {
        case .unavailable, .connectionLost, .tooManyQueued: return true
        default: return false
        }
    }
}
