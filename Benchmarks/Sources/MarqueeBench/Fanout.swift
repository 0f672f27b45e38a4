import Foundation
import Glibc
import MarqueeBenchKit
import MarqueeLoop

extension MarqueeBench {
    /// W watchers over WebSocket on the watched showtimes while writers
    /// change seats at a set rate: delivery latency from the change's
    /// acceptance to the delta's arrival (an upper bound per change: the
    /// later of its request's send time and the server's stamp of the
    /// delta's oldest change), frames delivered per second, server CPU and
    /// memory, and whether every watcher's map converged.
    func fanout() throws -> BenchResult {
        let catalog = try catalog()
        let showtimes = try catalog.freshShowtimes(watchedShowtimes)
        let seats = BenchCatalog.rows * BenchCatalog.columns
        let times = ChangeTimes(showtimes: showtimes.count, seats: seats)
        var plan = FanoutWatchers.Plan(port: port, showtimes: showtimes, watchersPerShowtime: max(1, watchers / showtimes.count),
                                       labels: (0..<seats).map(BenchCatalog.label))
        plan.threads = watcherThreads
        let group = FanoutWatchers(plan: plan, times: times)
        let rssBefore = serverPid.flatMap(ProcessStats.residentBytes)
        let connectStarted = Date()
        let ready = group.start()
        let connectSeconds = Date().timeIntervalSince(connectStarted)
        print(String(format: "  %d of %d watchers have their snapshot after %.1f s", ready, plan.showtimes.count * plan.watchersPerShowtime, connectSeconds))
        fflush(nil)
        let writers = 32
        let tokens = try catalog.customers(writers, tag: "fanout")
        var writerPlan = self.plan
        writerPlan.connections = writers
        writerPlan.ratePerSecond = changeRate
        writerPlan.warmupSeconds = 0
        group.beginMeasuring()
        let cpuBefore = serverPid.flatMap(ProcessStats.cpuMicros)
        let clientCPUBefore = ProcessStats.cpuMicros(pid: getpid())
        let (writes, writeSeconds) = LoadRunner.run(writerPlan) { FanoutWriterScript(token: tokens[$0], showtimes: showtimes, times: times) }
        let cpuAfter = serverPid.flatMap(ProcessStats.cpuMicros)
        let clientCPUAfter = ProcessStats.cpuMicros(pid: getpid())
        let rssDuring = serverPid.flatMap(ProcessStats.residentBytes)
        usleep(2_000_000)  // quiet: the last deltas arrive
        var truth: [[UInt8]] = []
        for showtime in showtimes {
            var readPlan = self.plan
            readPlan.connections = 1
            readPlan.warmupSeconds = 0
            readPlan.durationSeconds = 10
            let capture = CaptureScript(Requests.get("/v1/showtimes/\(showtime)/seats"))
            _ = LoadRunner.run(readPlan) { _ in capture }
            let object = capture.body.flatMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
            truth.append((object?["seats"] as? [[String: Any]] ?? []).map { FanoutWatchers.code($0["state"] as? String ?? "") })
        }
        let (recorder, oldestPerFrame, maps, gaps) = group.stop()
        let converged = maps.count == plan.showtimes.count * plan.watchersPerShowtime
            && maps.allSatisfy { truth[$0.slot] == $0.states }
        var ours = BenchResult.Figures(recorder, seconds: writeSeconds)
        if let cpuBefore, let cpuAfter, recorder.completed > 0 {
            ours.server_cpu_us_per_request = (cpuAfter - cpuBefore) / Double(recorder.completed)
        }
        var parameters = params
        if let clientCPUBefore, let clientCPUAfter, recorder.completed > 0 {
            // The watchers and the writers: what the load generator takes from the server's cores.
            parameters["load_generator_cpu_us_per_frame"] = String(format: "%.1f", (clientCPUAfter - clientCPUBefore) / Double(recorder.completed))
        }
        parameters["watchers"] = String(plan.showtimes.count * plan.watchersPerShowtime)
        parameters["watched_showtimes"] = String(showtimes.count)
        parameters["watcher_threads"] = String(watcherThreads)
        parameters["change_rate_per_s"] = String(changeRate)
        parameters["writer_requests_per_s"] = String(format: "%.0f", Double(writes.completed) / max(0.001, writeSeconds))
        parameters["writer_errors"] = String(writes.errors)
        // A change is accepted somewhere between its request's send and its
        // response: the writers' latency bounds how much of the figures above
        // is waiting to be accepted rather than delivery.
        parameters["writer_latency_ms"] = String(format: "p50 %.1f, p99 %.1f, max %.1f", writes.milliseconds(atPercentile: 50),
                                                 writes.milliseconds(atPercentile: 99), Double(writes.latency.max) / 1_000)
        if let rssBefore, let rssDuring { parameters["server_rss_growth_bytes"] = String(rssDuring - rssBefore) }
        parameters["connect_seconds"] = String(format: "%.1f", connectSeconds)
        parameters["coalesce_ms"] = ProcessInfo.processInfo.environment["LIVE_COALESCE_MS"] ?? "50"
        parameters["oldest_change_per_frame_ms"] = String(format: "p50 %.1f, p99 %.1f, max %.1f",
                                                          oldestPerFrame.milliseconds(atPercentile: 50),
                                                          oldestPerFrame.milliseconds(atPercentile: 99),
                                                          Double(oldestPerFrame.latency.max) / 1_000)
        // The default shape is "fanout"; others are named by their shape
        // (watchers, showtimes, window), so one shape never overwrites another's results.
        let window = parameters["coalesce_ms"]!
        let name = "fanout" + (watchers == 10_000 && watchedShowtimes == 1 ? "" : "-\(watchers)")
            + (watchedShowtimes > 1 ? "-over-\(watchedShowtimes)" : "") + (window == "50" ? "" : "-window-\(window)ms")
        print("  oldest change per frame: \(parameters["oldest_change_per_frame_ms"]!) ms; writers' requests: \(parameters["writer_latency_ms"]!) ms; "
              + "load generator CPU per frame: \(parameters["load_generator_cpu_us_per_frame"] ?? "?") µs")
        var result = BenchResult(scenario: name, commit: currentCommit, machine: ProcessStats.machine(), params: parameters, ours: ours)
        result.checks["watchers_converged"] = converged
        result.checks["every_watcher_connected"] = ready == plan.showtimes.count * plan.watchersPerShowtime
        // Writers pick seats at random (a few conflicts); no watcher should miss a delta.
        let budget = ErrorBudget.randomSeatConflicts(holders: writers, showtimeChances: Array(repeating: 1 / Double(showtimes.count), count: showtimes.count),
                                                     seatsPerShowtime: seats)
        result.judge(writes, by: budget, gaps: gaps)
        result.notes.append("ours: delta frames delivered per second over all watchers; latency per seat change, from its acceptance (at most: the later of its request's send and the server's oldest_change_at stamp of the delta) to the arrival of the frame carrying it; oldest change per frame (from the server's stamp) in params; gaps resynced: \(gaps)")
        return result
    }
}
