import ArgumentParser
import Foundation
import Glibc
import MarqueeBenchKit
import MarqueeLoop

/// `marquee-bench [scenario ...]`: load scenarios against a running Marquee
/// server (and nginx and pgbench baselines, in the same run), writing
/// `<out>/<scenario>.json`. `Benchmarks/run.sh` starts everything for it.
@main
struct MarqueeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marquee-bench",
        abstract: "Load scenarios against Marquee with same-run baselines (loopback only).")

    @Argument(help: "healthz, browse, hold-release, hold-release-zipf, checkout, flash-sale, fanout, seat-memory (default: all but seat-memory and fanout).")
    var scenarios: [String] = []
    @Option(help: "Marquee's port on 127.0.0.1.") var port = 18080
    @Option(help: "nginx `return 200` port for the nginx baseline (0: skip it).") var nginxPort = 18081
    @Option(help: "Marquee's process id, for server CPU time and memory.") var serverPid: Int32?
    @Option(help: "PostgreSQL URL the server uses (setup, checks, pgbench baselines).") var databaseURL: String?
    @Option(help: "The server's JWT secret, to sign bench customers' tokens.") var jwtSecret: String?
    @Option(help: "The server's shards and nginx's workers in this run (recorded with each result).") var shards: Int?
    @Option(help: "Connections.") var connections = 64
    @Option(help: "Load threads (each its own libuv loop).") var threads = 1
    @Option(help: "Seconds measured per run.") var duration = 10.0
    @Option(help: "Warm-up seconds before measuring.") var warmup = 2.0
    @Option(help: "Scenarios compared with nginx: alternating rounds of ours and nginx, the duration split between them (the machine's speed drifts within a run).") var rounds = 3
    @Option(help: "Open loop: requests per second in total (default: closed loop).") var rate: Double?
    @Option(help: "flash-sale: buyers, one connection each.") var buyers = 1_000
    @Option(help: "flash-sale: seats on sale (all buyers want all of them).") var seatsOnSale = 4
    @Option(help: "fanout: WebSocket watchers in total.") var watchers = 10_000
    @Option(help: "fanout: showtimes watched (watchers split evenly).") var watchedShowtimes = 1
    @Option(help: "fanout: watcher threads (each its own libuv loop); the watchers stand for many browsers, one thread measured best on 2 cores.") var watcherThreads = 1
    @Option(help: "fanout: seat changes per second (holds and releases).") var changeRate = 1_000.0
    @Option(help: "Where results go.") var out = "Benchmarks/results"
    @Flag(help: "Tiny runs for the test suite: checks the harness works, not speed.") var smoke = false

    mutating func run() throws {
        if smoke {
            duration = min(duration, 1)
            warmup = min(warmup, 0.2)
            connections = min(connections, 8)
            buyers = min(buyers, 40)
            watchers = min(watchers, 20)
            changeRate = min(changeRate, 50)
            rounds = 1
        }
        let chosen = scenarios.isEmpty ? ["healthz", "browse", "hold-release", "hold-release-zipf", "checkout", "flash-sale"] : scenarios
        let busy = ProcessStats.machineBusy(over: 1)
        let idleNote = busy > 0.15
            ? "WARNING: the machine was \(Int(busy * 100))% busy before the run: figures will be low and noisy"
            : "machine idle before the run (\(Int(busy * 100))% busy)"
        print(idleNote)
        // Correctness checks (not speed): a failure makes the run fail.
        let correctness: Set = ["one_winner_per_seat", "losers_got_clean_409", "every_buyer_answered", "watchers_converged",
                                "every_watcher_connected", "every_map_loaded", "errors_within_budget", "nginx_errors_within_budget"]
        var failedChecks: [String] = []
        for scenario in chosen {
            print("== \(scenario)")
            fflush(nil)  // progress shows as it happens, also through a pipe
            var result: BenchResult
            switch scenario {
            case "healthz": result = try healthz()
            case "browse": result = try browse()
            case "hold-release": result = try holdRelease(zipf: false)
            case "hold-release-zipf": result = try holdRelease(zipf: true)
            case "checkout": result = try checkout()
            case "flash-sale": result = try flashSale()
            case "seat-memory": result = try seatMemory()
            case "fanout": result = try fanout()
            default: throw ValidationError("unknown scenario \(scenario)")
            }
            result.notes.append(idleNote)
            for (check, passed) in result.checks.sorted(by: { $0.key < $1.key }) where correctness.contains(check) && !passed {
                failedChecks.append("\(scenario): \(check)")
                for note in result.notes(of: check) { failedChecks.append("\(scenario): \(note)") }
            }
            try result.write(to: out)
            print(summary(result))
            fflush(nil)
        }
        if !failedChecks.isEmpty {
            print("marquee-bench: correctness checks failed:\n  " + failedChecks.joined(separator: "\n  "))
            throw ExitCode(2)
        }
    }

    // MARK: Helpers

    var plan: LoadPlan {
        var plan = LoadPlan(port: port)
        plan.connections = connections
        plan.threads = threads
        plan.durationSeconds = duration
        plan.warmupSeconds = warmup
        plan.ratePerSecond = rate
        return plan
    }

    var params: [String: String] {
        var params = ["connections": String(connections), "threads": String(threads), "duration_s": String(duration),
                      "warmup_s": String(warmup), "mode": rate.map { "open loop at \($0)/s" } ?? "closed loop"]
        if let shards { params["shards"] = String(shards) }
        return params
    }

    /// One load run, and the server's CPU time over its measured window
    /// alone: the warm-up's work is not divided by the measured answers.
    func measuredRun(_ plan: LoadPlan, pid: Int32?, _ script: @escaping @Sendable (Int) -> Script)
        -> (Recorder, seconds: Double, cpu: Double?) {
        guard let pid else {
            let (recorder, seconds) = LoadRunner.run(plan, script: script)
            return (recorder, seconds, nil)
        }
        let (recorder, seconds, window) = measuredRun(plan, script) { ProcessStats.cpuMicros(pid: pid).map { ["server": $0] } ?? [:] }
        return (recorder, seconds, window["server"])
    }

    /// One load run, and how much each of `sample`'s figures grew over its
    /// measured window (read when the warm-up ends and when the run does).
    func measuredRun(_ plan: LoadPlan, _ script: @escaping @Sendable (Int) -> Script,
                     sample: @escaping @Sendable () -> [String: Double]) -> (Recorder, seconds: Double, window: [String: Double]) {
        let readings = Lock<[[String: Double]]>([])
        let sampler = LoopThread(name: "measured-window") {
            usleep(UInt32(plan.warmupSeconds * 1e6))
            let start = sample()
            usleep(UInt32(plan.durationSeconds * 1e6))
            let end = sample()
            readings.withLock { $0 = [start, end] }
        }
        let (recorder, seconds) = LoadRunner.run(plan, script: script)
        sampler.join()
        let pair = readings.withLock { $0 }
        var window: [String: Double] = [:]
        if pair.count == 2 {
            for (name, end) in pair[1] { if let start = pair[0][name] { window[name] = end - start } }
        }
        return (recorder, seconds, window)
    }

    /// Ours against nginx `return 200` in `rounds` alternating rounds, each
    /// warmed up and measured for its share of the duration, pooled: a
    /// shared host's throughput drifts within a run, and alternating makes
    /// the drift weigh on both servers alike instead of on whichever ran
    /// second (BENCHMARKS.md, Method). Per-round ratios go in the notes; a
    /// throughput plot shows the rounds one after another.
    /// Ours is judged by `budget`, nginx by none (it answers 200 to all).
    func versusNginx(_ parameters: [String: String], scenario: String, budget: ErrorBudget,
                     _ script: @escaping @Sendable (Int) -> Script) -> BenchResult {
        var round = plan
        round.durationSeconds = duration / Double(max(1, rounds))
        var nginxRound = round
        nginxRound.port = nginxPort
        var ours = (Recorder(), seconds: 0.0, cpu: 0.0)
        var nginx = (Recorder(), seconds: 0.0)
        var ratios: [String] = []
        for _ in 0..<max(1, rounds) {
            let (recorder, seconds, cpu) = measuredRun(round, pid: serverPid, script)
            ours.0.appendRound(recorder)
            ours.seconds += seconds
            ours.cpu += cpu ?? 0
            guard nginxPort > 0 else { continue }
            let (baseline, baselineSeconds) = LoadRunner.run(nginxRound) { _ in FixedScript(Requests.get("/healthz")) }
            nginx.0.appendRound(baseline)
            nginx.seconds += baselineSeconds
            ratios.append(String(format: "%.2f", (Double(recorder.completed) / seconds) / max(1, Double(baseline.completed) / baselineSeconds)))
        }
        var result = BenchResult(scenario: scenario, commit: currentCommit, machine: ProcessStats.machine(), params: parameters,
                                 ours: BenchResult.Figures(ours.0, seconds: ours.seconds, serverCPUMicros: serverPid == nil ? nil : ours.cpu))
        result.judge(ours.0, by: budget)
        if nginxPort > 0 {
            result.judge(nginx.0, by: .none, as: "nginx_errors_within_budget")
            result.baseline("nginx", BenchResult.Figures(nginx.0, seconds: nginx.seconds))
            result.notes.append("\(ratios.count) alternating rounds of ours and nginx, pooled; per-round ratios: " + ratios.joined(separator: ", "))
        }
        return result
    }

    func catalog() throws -> BenchCatalog {
        guard let databaseURL, let jwtSecret else { throw ValidationError("this scenario needs --database-url and --jwt-secret") }
        return try BenchCatalog(databaseURL: databaseURL, jwtSecret: jwtSecret)
    }

    func pgbench(_ script: String, clients: Int) throws -> BenchResult.Figures? {
        guard let databaseURL else { return nil }
        let file = NSTemporaryDirectory() + "marquee-pgbench-\(getpid()).sql"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        defer { unlink(file) }
        let seconds = max(1, Int(duration.rounded()))
        let output = try runTool("/usr/bin/pgbench", ["-n", "-c", String(clients), "-j", "2", "-T", String(seconds), "-f", file, databaseURL])
        return parsePgbench(output)
    }

    func summary(_ result: BenchResult) -> String {
        func line(_ name: String, _ f: BenchResult.Figures) -> String {
            var text = String(format: "  %-16@ %10.0f/s", name as NSString, f.throughput_per_s)
            if let p50 = f.p50_ms { text += String(format: "  p50 %.2f ms", p50) }
            if let p99 = f.p99_ms { text += String(format: "  p99 %.2f ms", p99) }
            if let max = f.max_ms { text += String(format: "  max %.1f ms", max) }
            if let errors = f.errors, errors > 0 { text += "  errors \(errors)" }
            if let cpu = f.server_cpu_us_per_request { text += String(format: "  server CPU %.1f µs/req", cpu) }
            return text
        }
        var lines = [line("ours", result.ours)]
        for (name, figures) in result.baselines.sorted(by: { $0.key < $1.key }) { lines.append(line(name, figures)) }
        for (name, ratio) in result.ratios.sorted(by: { $0.key < $1.key }) { lines.append(String(format: "  ratio %@: %.2f", name, ratio)) }
        for (name, ok) in result.checks.sorted(by: { $0.key < $1.key }) { lines.append("  check \(name): \(ok ? "PASS" : "FAIL")") }
        return lines.joined(separator: "\n")
    }
}
