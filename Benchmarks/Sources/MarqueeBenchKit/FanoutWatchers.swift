import Foundation
import Glibc
import MarqueeLoop

/// The watchers' side of the fan-out scenario: many WebSocket clients per
/// libuv loop, each keeping its seat map from the snapshot and deltas, and
/// timing every seat change a delta carries from its acceptance (the
/// latency the brief asks for; bounded from above by the later of its
/// request's send time and the delta's `oldest_change_at`), and each frame
/// by its oldest change (the server's stamp: a frame's wait for its whole
/// coalescing window). A
/// frame's JSON is parsed once per loop, not once per watcher (they
/// receive the same bytes).
public final class FanoutWatchers: @unchecked Sendable {
    public struct Plan: Sendable {
        public var port: Int
        public var showtimes: [Int64]
        public var watchersPerShowtime: Int
        public var threads = 1
        public var labels: [String]
        public init(port: Int, showtimes: [Int64], watchersPerShowtime: Int, labels: [String]) {
            self.port = port
            self.showtimes = showtimes
            self.watchersPerShowtime = watchersPerShowtime
            self.labels = labels
        }
    }

    let plan: Plan
    let times: ChangeTimes
    private var loops: [EventLoop] = []
    private var threads: [LoopThread] = []
    private var drivers: [WatcherLoop] = []
    private let ready = Lock(0)

    public init(plan: Plan, times: ChangeTimes) {
        self.plan = plan
        self.times = times
    }

    /// Connects every watcher; returns when all have their snapshot (or `timeout` passed).
    public func start(timeoutSeconds: Double = 60) -> Int {
        let total = plan.showtimes.count * plan.watchersPerShowtime
        var labelIndex: [String: Int] = [:]
        for (index, label) in plan.labels.enumerated() { labelIndex[label] = index }
        for thread in 0..<plan.threads {
            guard let loop = try? EventLoop(index: thread) else { continue }
            let assigned = Array(stride(from: thread, to: total, by: plan.threads))
            let driver = WatcherLoop(loop: loop, port: plan.port, watchers: assigned.map { ($0 % plan.showtimes.count, plan.showtimes[$0 % plan.showtimes.count]) },
                                     seats: plan.labels.count, labelIndex: labelIndex, times: times, ready: ready)
            loops.append(loop)
            drivers.append(driver)
            threads.append(LoopThread(name: "watchers-\(thread)") {
                loop.execute { driver.start() }
                loop.run()
                loop.close()
            })
        }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while ready.withLock({ $0 }) < total && Date() < deadline { usleep(50_000) }
        return ready.withLock { $0 }
    }

    /// Starts counting deliveries (after warm-up).
    public func beginMeasuring() {
        for driver in drivers { driver.loop.execute { driver.measuring = true } }
    }

    /// Stops, closes every connection, and returns the merged measurements
    /// and each watcher's final map (state code per seat) by showtime slot.
    public func stop() -> (Recorder, oldestPerFrame: Recorder, maps: [(slot: Int, states: [UInt8])], gaps: Int) {
        for driver in drivers { driver.loop.execute { driver.finish() } }
        for thread in threads { thread.join() }
        var recorder = Recorder()
        var oldest = Recorder()
        var maps: [(Int, [UInt8])] = []
        var gaps = 0
        for driver in drivers {
            recorder.merge(driver.recorder)
            oldest.merge(driver.oldestPerFrame)
            maps += driver.watchers.map { ($0.slot, $0.states) }
            gaps += driver.gaps
        }
        return (recorder, oldest, maps, gaps)
    }

    /// State codes as maps use them: free 0, held 1, booked 2, blocked 3.
    public static func code(_ state: String) -> UInt8 {
        switch state {
        case "held": return 1
        case "booked": return 2
        case "blocked": return 3
        default: return 0
        }
    }
}

extension FanoutWatchers {
    /// The server's stamp, "2026-11-26T09:41:50.123Z" (UTC, milliseconds),
    /// as Unix milliseconds; nil for any other shape. By hand: Foundation's
    /// ISO 8601 formatter cost this client more than the JSON parse.
    public static func unixMilliseconds(_ stamp: String) -> Int64? {
        let bytes = Array(stamp.utf8)
        guard bytes.count == 24, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84, bytes[13] == 58, bytes[16] == 58,
              bytes[19] == 46, bytes[23] == 90 else { return nil }
        func digits(_ start: Int, _ count: Int) -> Int64? {
            var value: Int64 = 0
            for byte in bytes[start..<(start + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2), let hour = digits(11, 2),
              let minute = digits(14, 2), let second = digits(17, 2), let millis = digits(20, 3),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        // Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1_000 + millis
    }
}
