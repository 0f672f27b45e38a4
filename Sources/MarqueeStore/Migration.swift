import CLibPQ
import Glibc

/// A numbered schema change. Applied in order, each in its own
/// transaction, and recorded in `schema_migrations`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    /// Every migration, in order. Append only: a released migration never changes.
    public static let all: [Migration] = [
        m0001Catalog, m0002SearchHelpers, m0003Users, m0004Seats, m0005SeatWriteKeys, m0006SeatWriteChurn, m0007HoldNumberBlocks,
        m0008PaymentEvents, m0009CleanupAndKeyOwners, m0010ShowtimeLeases,
    ]
}

/// Applies pending migrations. Runs before the shards start (or as
/// `marquee migrate`), so it uses libpq's blocking calls on the calling
/// thread. A session advisory lock makes instances that start together
/// take turns: the second finds the work done.
public enum Migrator {
    /// Arbitrary but fixed: the advisory lock key for migrations.
    static let lockKey = "727172001"

    /// Returns the versions it applied.
    @discardableResult
    public static func migrate(url: String, migrations: [Migration] = Migration.all) throws -> [Int] {
        let connection = try BlockingConnection(url: url)
        defer { connection.close() }
        try connection.execute("SET client_min_messages = warning")
        try connection.execute("SELECT pg_advisory_lock(\(lockKey))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(\(lockKey))") }
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """)
        let applied = Set(try connection.query("SELECT version FROM schema_migrations").rows.compactMap { $0[0].flatMap(Int.init) })
        var done: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) where !applied.contains(migration.version) {
            try connection.execute("BEGIN")
            do {
                try connection.execute(migration.sql)
                try connection.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                     [String(migration.version), migration.name])
                try connection.execute("COMMIT")
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
            done.append(migration.version)
        }
        return done
    }
}

/// libpq's blocking interface, for start-up work and command-line tools
/// only: never on a shard's loop.
public final class BlockingConnection {
    private let connection: OpaquePointer

    public init(url: String) throws {
        guard let connection = PQconnectdb(url) else { throw PostgresError.unavailable("out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = trimmed(String(cString: PQerrorMessage(connection)))
            PQfinish(connection)
            throw PostgresError.unavailable(message)
        }
        self.connection = connection
    }

    /// Runs SQL (several statements allowed when there are no parameters).
    @discardableResult
    public func execute(_ sql: String) throws -> QueryResult {
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        return try check(result)
    }

    @discardableResult
    public func query(_ sql: String, _ params: [String?] = []) throws -> QueryResult {
        let result = withCStrings(params) { values in
            PQexecParams(connection, sql, Int32(params.count), nil, values, nil, nil, 0)
        }
        defer { PQclear(result) }
        return try check(result)
    }

    private func check(_ result: OpaquePointer?) throws -> QueryResult {
        guard let result else {
            throw PostgresError.connectionLost(trimmed(String(cString: PQerrorMessage(connection))))
        }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return QueryResult(result)
        default:
            if PQstatus(connection) == CONNECTION_BAD {
                throw PostgresError.connectionLost(trimmed(String(cString: PQerrorMessage(connection))))
            }
            throw PostgresError.from(result)
        }
    }

    public func close() { PQfinish(connection) }
}
