import Logging
import MarqueeLoop
import MarqueeStore

/// Deletes rows that have outlived their use (old login-attempt windows,
/// idempotency keys past their lifetime, revocations of expired tokens),
/// every `intervalMilliseconds`.
/// - One instance at a time: a run holds a PostgreSQL session advisory
///   lock (`lockKey`); an instance that does not get it skips the run, and
///   a run cut off by a lost connection loses the lock with its session.
/// - Never blocking a shard: it has a connection of its own (on shard 0's
///   loop, nonblocking like every other), so no request queues behind a
///   delete, and each delete takes at most `batchRows` rows, so no
///   statement holds row locks or runs for long.
public final class TableCleanup {
    /// A table and the SQL condition under which one of its rows is expired.
    public struct Rule: Sendable {
        public let table: String
        public let expired: String
        public init(table: String, expired: String) {
            self.table = table
            self.expired = expired
        }
    }

    public struct Config: Sendable {
        public var intervalMilliseconds: UInt64 = 60_000
        public var batchRows = 1_000
        public var rules: [Rule]
        public init(rules: [Rule]) { self.rules = rules }
    }

    /// Arbitrary but fixed, next to the migrations' 727172001.
    static let lockKey = "727172002"

    private let database: PostgresConnection
    private let config: Config
    private let timer: LoopTimer
    private let logger: Logger
    private var running = false

    private init(loop: EventLoop, url: String, config: Config, logger: Logger) {
        database = PostgresConnection(loop: loop, url: url, logger: logger)
        timer = LoopTimer(loop: loop)
        self.config = config
        self.logger = logger
    }

    /// Starts the runs on `server`'s shard 0; they stop when that shard finishes.
    public static func start(on server: Server, url: String, config: Config) {
        let logger = server.logger
        server.onShard(0) { access in
            let cleanup = TableCleanup(loop: access.loop, url: url, config: config, logger: logger)
            access.onFinish {
                cleanup.timer.close()
                cleanup.database.close()
            }
            cleanup.database.connect()
            cleanup.timer.unref()
            cleanup.timer.start(after: config.intervalMilliseconds, repeat: config.intervalMilliseconds) { cleanup.run() }
        }
    }

    private func run() {
        guard !running, database.isReady else { return }
        running = true
        database.query("SELECT pg_try_advisory_lock(\(Self.lockKey))") { [self] result in
            guard case .success(let locked) = result, locked.scalar == "t" else {
                logger.debug("table cleanup skipped: another instance is running it")
                running = false
                return
            }
            delete(rule: 0, batches: 0, rows: 0)
        }
    }

    /// Deletes one batch of `config.rules[rule]`'s expired rows, then the
    /// next batch or the next rule; unlocks after the last.
    private func delete(rule: Int, batches: Int, rows: Int) {
        guard rule < config.rules.count else { return finish(batches: batches, rows: rows) }
        let table = config.rules[rule].table
        // ctid = ANY(ARRAY(...)): a TID scan of just the batch's rows.
        database.query("""
            DELETE FROM \(table) WHERE ctid = ANY(ARRAY(
                SELECT ctid FROM \(table) WHERE \(config.rules[rule].expired) LIMIT \(config.batchRows)))
            """) { [self] result in
            switch result {
            case .success(let deleted):
                let full = deleted.affectedRows >= config.batchRows
                delete(rule: full ? rule : rule + 1, batches: batches + 1, rows: rows + deleted.affectedRows)
            case .failure(let error):
                logger.warning("table cleanup failed", metadata: ["table": .string(table), "error": .string(error.description)])
                finish(batches: batches, rows: rows)
            }
        }
    }

    private func finish(batches: Int, rows: Int) {
        database.query("SELECT pg_advisory_unlock(\(Self.lockKey))") { [self] _ in
            running = false
        }
        logger.debug("table cleanup done", metadata: [
            "table_cleanup_batches": .stringConvertible(batches), "deleted_rows": .stringConvertible(rows),
        ])
    }
}
