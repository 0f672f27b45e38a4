import Foundation
import MarqueeBenchKit
import MarqueeLoop
import MarqueeStore

final class BookingCounter: Sendable {
    private let count = Lock(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

final class FlashSaleLog: Sendable {
    private let outcomes = Lock<[FlashSaleCheck.ClientOutcome]>([])
    private let soldOut = Lock<UInt64?>(nil)
    func add(_ outcome: FlashSaleCheck.ClientOutcome) {
        outcomes.withLock { $0.append(outcome) }
        if outcome.bookingID != nil { soldOut.withLock { $0 = SystemClock.monotonicNanoseconds() } }
    }
    var values: [FlashSaleCheck.ClientOutcome] { outcomes.withLock { $0 } }
    var lastSaleNanos: UInt64? { soldOut.withLock { $0 } }
}

/// Runs a command (wrk, pgbench) and returns its standard output.
func runTool(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// wrk's requests/s and p99 (ms) from `wrk --latency` output.
func parseWrk(_ text: String) -> BenchResult.Figures? {
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }),
          let rate = Double(line.split(separator: " ").last ?? "") else { return nil }
    var p99: Double?
    if let line = text.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("99%") }),
       let value = line.split(separator: " ").last {
        let number = Double(value.filter { $0.isNumber || $0 == "." }) ?? 0
        p99 = value.hasSuffix("us") ? number / 1_000 : value.hasSuffix("ms") ? number : number * 1_000
    }
    return BenchResult.Figures(throughput: rate, p99: p99)
}

/// pgbench's tps (excluding connection time) and average latency.
func parsePgbench(_ text: String) -> BenchResult.Figures? {
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
          let rate = Double(line.split(separator: " ")[2]) else { return nil }
    return BenchResult.Figures(throughput: rate)
}

/// The commit under test, asked of git once per run.
let currentCommit: String = {
    (try? runTool("/usr/bin/git", ["rev-parse", "--short", "HEAD"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
}()

/// PostgreSQL's counters for the whole cluster's work: commits in this
/// database and WAL bytes written (all of it: the server's batches and
/// PostgreSQL's own), for figures per booking or per transaction.
final class DatabaseActivity: @unchecked Sendable {
    // Used from one thread at a time: the sampler's, then the caller's after it joined.
    private let connection: BlockingConnection

    init(url: String) throws { connection = try BlockingConnection(url: url) }

    func sample() -> [String: Double] {
        let sql = """
            SELECT xact_commit, pg_current_wal_lsn() - '0/0'::pg_lsn
            FROM pg_stat_database WHERE datname = current_database()
            """
        // Its own transaction (autocommit), so the statistics snapshot is fresh.
        guard let row = try? connection.execute(sql).rows.first, row.count == 2,
              let commits = row[0].flatMap(Double.init), let wal = row[1].flatMap(Double.init) else { return [:] }
        return ["commits": commits, "wal_bytes": wal]
    }
}
