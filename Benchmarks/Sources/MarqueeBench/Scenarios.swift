import ArgumentParser
import Foundation
import Glibc
import MarqueeBenchKit
import MarqueeLoop

extension MarqueeBench {
    /// GET /healthz: the raw server path, against nginx; the harness's own
    /// figure for nginx is checked against wrk's in the same run.
    func healthz() throws -> BenchResult {
        var result = versusNginx(params, scenario: "healthz", budget: .none) { _ in FixedScript(Requests.get("/healthz")) }
        if nginxPort > 0, FileManager.default.fileExists(atPath: "/usr/bin/wrk") {
            let seconds = max(1, Int(duration.rounded()))
            let text = try runTool("/usr/bin/wrk", ["-t", String(max(1, threads)), "-c", String(connections), "-d", "\(seconds)s",
                                                    "--latency", "http://127.0.0.1:\(nginxPort)/healthz"])
            if let wrk = parseWrk(text), let ours = result.baselines["nginx"] {
                result.baselines["wrk_on_nginx"] = wrk
                let agreement = ours.throughput_per_s / wrk.throughput_per_s
                result.notes.append(String(format: "marquee-bench on nginx / wrk on nginx = %.3f", agreement))
                // A speed comparison: judged on measured runs only (a smoke run is a
                // one-second debug build, slower than wrk by design).
                if !smoke { result.checks["harness_agrees_with_wrk"] = abs(agreement - 1) <= 0.10 }
            }
        }
        return result
    }

    /// A mix of catalog searches and movie pages (the demo catalog).
    func browse() throws -> BenchResult {
        versusNginx(params, scenario: "browse", budget: .none) { _ in BrowseScript(movies: 300) }
    }

    /// Hold one seat and release it, over 1,000 showtimes, one customer per
    /// connection; against nginx and the conventional one-transaction-per-
    /// hold design in pgbench at the same concurrency (cycles vs cycles).
    func holdRelease(zipf: Bool) throws -> BenchResult {
        let catalog = try catalog()
        let showtimes = try catalog.showtimes()
        let tokens = try catalog.customers(connections, tag: "hold")
        let picker = ShowtimePicker(showtimes: showtimes, zipf: zipf)
        var parameters = params
        parameters["showtimes"] = String(showtimes.count)
        parameters["distribution"] = zipf ? "zipf (s = 1)" : "uniform"
        // Two clients may pick the same seat at once: a few seat conflicts, nothing else.
        let budget = ErrorBudget.randomSeatConflicts(holders: connections, showtimeChances: picker.chances,
                                                     seatsPerShowtime: BenchCatalog.rows * BenchCatalog.columns)
        var result = versusNginx(parameters, scenario: zipf ? "hold-release-zipf" : "hold-release", budget: budget) {
            HoldReleaseScript(token: tokens[$0], picker: picker)
        }
        result.notes.append("ours: requests/s, a cycle is two requests (hold, release); pg_conventional: cycles/s x 2")
        try catalog.database.execute("""
            CREATE TABLE IF NOT EXISTS bench_seats (showtime_id integer, seat integer, state text NOT NULL DEFAULT 'free',
                holder integer, expires_at timestamptz, PRIMARY KEY (showtime_id, seat));
            INSERT INTO bench_seats (showtime_id, seat) SELECT s, n FROM generate_series(1, 1000) s, generate_series(0, 999) n
                ON CONFLICT DO NOTHING;
            """)
        let script = """
            \\set s random(1, 1000)
            \\set n random(0, 999)
            BEGIN;
            SELECT state FROM bench_seats WHERE showtime_id = :s AND seat = :n FOR UPDATE;
            UPDATE bench_seats SET state = 'held', holder = :client_id, expires_at = now() + interval '10 minutes'
                WHERE showtime_id = :s AND seat = :n AND state = 'free';
            COMMIT;
            BEGIN;
            UPDATE bench_seats SET state = 'free', holder = NULL, expires_at = NULL
                WHERE showtime_id = :s AND seat = :n AND holder = :client_id;
            COMMIT;
            """
        if var conventional = try pgbench(script, clients: connections) {
            // One pgbench transaction here is a whole cycle: two requests' worth.
            conventional.throughput_per_s *= 2
            result.baseline("pg_conventional", conventional)
        }
        return result
    }

    /// Hold two seats and check out (mock provider): durable bookings per
    /// second, against pgbench's single-row insert-and-commit rate.
    func checkout() throws -> BenchResult {
        let catalog = try catalog()
        let showtimes = try catalog.showtimes()
        let tokens = try catalog.customers(connections, tag: "checkout")
        let picker = ShowtimePicker(showtimes: showtimes, zipf: false)
        let counter = BookingCounter()
        // Where a booking's CPU goes, over the measured window: the server,
        // PostgreSQL (every "postgres" process) and this load generator.
        let server = serverPid
        // PostgreSQL's own count of commits and WAL written, read on a
        // connection of the sampler's own (the catalog's is this thread's).
        let stats = try databaseURL.map { try DatabaseActivity(url: $0) }
        let (recorder, seconds, window) = measuredRun(plan, { CheckoutScript(token: tokens[$0], picker: picker, counter: counter) }) {
            var figures = ["bookings": Double(counter.value), "postgresql": ProcessStats.cpuMicros(named: "postgres")]
            figures.merge(stats?.sample() ?? [:]) { $1 }
            if let server { figures["server"] = ProcessStats.cpuMicros(pid: server) }
            figures["load generator"] = ProcessStats.cpuMicros(pid: getpid())
            return figures
        }
        var ours = BenchResult.Figures(recorder, seconds: seconds, serverCPUMicros: window["server"])
        let requestsPerSecond = ours.throughput_per_s
        // The figure that matters: confirmed, durable bookings per second
        // (latency figures stay per request).
        let bookings = window["bookings"] ?? 0
        ours.throughput_per_s = bookings / max(0.001, seconds)
        var result = BenchResult(scenario: "checkout", commit: currentCommit, machine: ProcessStats.machine(), params: params, ours: ours)
        // best_available picks free seats on the seat map's own shard: no conflict, no error.
        result.judge(recorder, by: .none)
        result.notes.append(String(format: "requests/s (holds and checkouts): %.0f; bookings counted over the measured window", requestsPerSecond))
        if bookings > 0 {
            var perBooking: [String: String] = [:]
            for name in ["server", "postgresql", "load generator"] {
                if let cpu = window[name] { perBooking[name] = String(format: "%.1f", cpu / bookings) }
            }
            result.params["cpu_us_per_booking"] = perBooking.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("  CPU per booking (µs): " + result.params["cpu_us_per_booking"]!)
            if let commits = window["commits"], let wal = window["wal_bytes"] {
                result.params["database_per_booking"] = String(format: "%.2f commits, %.0f WAL bytes", commits / bookings, wal / bookings)
                print("  PostgreSQL per booking: " + result.params["database_per_booking"]!)
            }
        }
        try catalog.database.execute("CREATE TABLE IF NOT EXISTS bench_commits (id bigserial PRIMARY KEY, client integer, at timestamptz DEFAULT now())")
        // The baseline's CPU per transaction the same way: PostgreSQL's
        // processes and pgbench (a child: its time counts once it exits).
        let postgresBefore = ProcessStats.cpuMicros(named: "postgres")
        let childrenBefore = ProcessStats.childrenCPUMicros()
        let activityBefore = stats?.sample() ?? [:]
        if let insert = try pgbench("INSERT INTO bench_commits (client) VALUES (:client_id);\n", clients: connections) {
            result.baseline("pg_insert_commit", insert)
            let transactions = insert.throughput_per_s * max(1, duration.rounded())
            if transactions > 0 {
                let postgres = (ProcessStats.cpuMicros(named: "postgres") - postgresBefore) / transactions
                let client = (ProcessStats.childrenCPUMicros() - childrenBefore) / transactions
                result.params["pgbench_cpu_us_per_transaction"] = String(format: "pgbench %.1f, postgresql %.1f", client, postgres)
                print("  pgbench CPU per transaction (µs): " + result.params["pgbench_cpu_us_per_transaction"]!)
                let activity = stats?.sample() ?? [:]
                if let wal = activity["wal_bytes"], let walBefore = activityBefore["wal_bytes"] {
                    result.params["pgbench_wal_bytes_per_transaction"] = String(format: "%.0f", (wal - walBefore) / transactions)
                }
            }
        }
        return result
    }

    /// `buyers` clients, each on its own connection, all trying to hold and
    /// buy the same seats at once; checked from the API and PostgreSQL.
    func flashSale() throws -> BenchResult {
        let catalog = try catalog()
        // A showtime of its own per run, so every run starts unsold.
        let showtime = try catalog.freshShowtime()
        let seats = (0..<seatsOnSale).map { BenchCatalog.label(12 * BenchCatalog.columns + 10 + $0) }
        let tokens = try catalog.customers(buyers, tag: "flash")
        let log = FlashSaleLog()
        var sale = plan
        sale.connections = buyers
        sale.warmupSeconds = 0
        sale.durationSeconds = max(duration, 5)
        sale.ratePerSecond = nil
        let started = SystemClock.monotonicNanoseconds()
        let (recorder, seconds, cpu) = measuredRun(sale, pid: serverPid) {
            FlashSaleScript(token: tokens[$0], showtime: showtime, seats: seats, log: log)
        }
        var ours = BenchResult.Figures(recorder, seconds: seconds, serverCPUMicros: cpu)
        let outcomes = log.values
        let soldOutMs = log.lastSaleNanos.map { Double($0 - started) / 1e6 }
        ours.throughput_per_s = Double(outcomes.count) / max(0.001, (soldOutMs ?? 1_000) / 1_000)
        var database: [String: [String]] = [:]
        for row in try catalog.database.query("""
            SELECT 'bkg_' || showtime_id || '_' || booking_no, array_to_string(seat_labels, ',') FROM bookings
            WHERE showtime_id = $1 AND status = 'confirmed' AND seat_labels && $2::text[]
            """, [String(showtime), "{" + seats.joined(separator: ",") + "}"]).rows {
            database[row[0]!] = row[1]!.split(separator: ",").map(String.init)
        }
        let verdict = FlashSaleCheck.verdict(outcomes, database: database, seatsOnSale: Set(seats))
        var parameters = params
        parameters["buyers"] = String(buyers)
        parameters["seats_on_sale"] = seats.joined(separator: ",")
        var result = BenchResult(scenario: "flash-sale", commit: currentCommit, machine: ProcessStats.machine(), params: parameters, ours: ours)
        result.checks["one_winner_per_seat"] = verdict.oneWinnerPerSeat && verdict.databaseAgrees
        result.checks["losers_got_clean_409"] = verdict.losersGotCleanConflicts
        result.checks["every_buyer_answered"] = outcomes.count == buyers
        // Every loser a seat conflict (the check above counts them exactly); nothing else.
        result.judge(recorder, by: .seatConflicts(upTo: 1))
        result.notes.append(String(format: "sold out after %.1f ms; %d buyers answered, %d bookings", soldOutMs ?? -1, outcomes.count, database.count))
        return result
    }

    /// Server memory per loaded seat: RSS before and after touching 1,000
    /// showtimes of 1,000 seats (1,000,000 seat words).
    func seatMemory() throws -> BenchResult {
        guard let serverPid else { throw ValidationError("seat-memory needs --server-pid") }
        let catalog = try catalog()
        let showtimes = try catalog.showtimes()
        let token = try catalog.customers(1, tag: "memory")[0]
        let before = ProcessStats.residentBytes(pid: serverPid) ?? 0
        // Loading needs a request that touches the map without answering
        // it: a hold naming a seat that does not exist (422) does.
        final class LoadScript: Script {
            var remaining: ArraySlice<Int64>
            let token: String
            init(_ showtimes: ArraySlice<Int64>, token: String) { remaining = showtimes; self.token = token }
            func nextRequest() -> [UInt8]? {
                guard let next = remaining.popFirst() else { return nil }
                return Requests.send("POST", "/v1/showtimes/\(next)/holds", json: #"{"seats":["ZZ99"]}"#, token: token)
            }
            func handle(_ response: ResponseReader.Response) {}
        }
        var load = plan
        load.connections = 4
        load.warmupSeconds = 0
        load.durationSeconds = 60
        let slices = (0..<4).map { part in showtimes[(part * showtimes.count / 4)..<((part + 1) * showtimes.count / 4)] }
        let (recorder, seconds) = LoadRunner.run(load) { LoadScript(slices[$0], token: token) }
        usleep(200_000)
        let after = ProcessStats.residentBytes(pid: serverPid) ?? 0
        let seats = showtimes.count * BenchCatalog.rows * BenchCatalog.columns
        var result = BenchResult(scenario: "seat-memory", commit: currentCommit, machine: ProcessStats.machine(), params: params,
                                 ours: BenchResult.Figures(recorder, seconds: seconds))
        let perSeat = Double(after - before) / Double(seats)
        result.params["seats_loaded"] = String(seats)
        result.params["rss_before_bytes"] = String(before)
        result.params["rss_after_bytes"] = String(after)
        result.params["bytes_per_seat"] = String(format: "%.1f", perSeat)
        result.checks["at_most_32_bytes_per_seat"] = perSeat <= 32
        result.checks["every_map_loaded"] = recorder.statuses[422] == showtimes.count
        result.judge(recorder, by: ErrorBudget(allowed: [Refusal(status: 422, code: "unknown_seats"): 1]))
        return result
    }
}
