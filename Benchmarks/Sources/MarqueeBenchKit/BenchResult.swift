import Foundation

/// One scenario's result in the stable shape other tools read
/// (`Benchmarks/results/<scenario>.json`):
/// `{"scenario", "commit", "machine", "params", "ours": {...}, "baselines": {...},
///   "ratios": {...}, "checks": {...}}`. Ratios are ours / baseline throughput.
public struct BenchResult: Codable, Sendable {
    public struct Figures: Codable, Sendable {
        public var throughput_per_s: Double
        public var p50_ms: Double?
        public var p90_ms: Double?
        public var p99_ms: Double?
        public var p999_ms: Double?
        public var max_ms: Double?
        public var errors: Int?
        public var statuses: [String: Int]?
        /// Non-2xx answers by status and error code, over the whole run
        /// (warm-up included), when there were any.
        public var refusals: [String: Int]?
        public var server_cpu_us_per_request: Double?
        public var per_second: [Int]?
        public var percentiles_ms: [String: Double]?

        public init(throughput: Double, p99: Double? = nil) {
            throughput_per_s = throughput
            p99_ms = p99
        }

        /// The figures of a load run.
        public init(_ recorder: Recorder, seconds: Double, serverCPUMicros: Double? = nil) {
            throughput_per_s = seconds > 0 ? Double(recorder.completed) / seconds : 0
            p50_ms = recorder.milliseconds(atPercentile: 50)
            p90_ms = recorder.milliseconds(atPercentile: 90)
            p99_ms = recorder.milliseconds(atPercentile: 99)
            p999_ms = recorder.milliseconds(atPercentile: 99.9)
            max_ms = Double(recorder.latency.max) / 1_000
            errors = recorder.errors
            statuses = Dictionary(uniqueKeysWithValues: recorder.statuses.map { (String($0.key), $0.value) })
            if recorder.transportErrors > 0 { statuses?["transport_error"] = recorder.transportErrors }
            if !recorder.refusals.isEmpty {
                refusals = Dictionary(uniqueKeysWithValues: recorder.refusals.map { ($0.key.description, $0.value) })
            }
            if let serverCPUMicros, recorder.completed > 0 { server_cpu_us_per_request = serverCPUMicros / Double(recorder.completed) }
            per_second = recorder.perSecond
            var table: [String: Double] = [:]
            for percentile in [10.0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99] {
                table[String(percentile)] = recorder.milliseconds(atPercentile: percentile)
            }
            percentiles_ms = table
        }
    }

    public var scenario: String
    public var commit: String
    public var machine: [String: String]
    public var params: [String: String]
    public var ours: Figures
    public var baselines: [String: Figures] = [:]
    public var ratios: [String: Double] = [:]
    public var checks: [String: Bool] = [:]
    public var notes: [String] = []

    public init(scenario: String, commit: String, machine: [String: String], params: [String: String], ours: Figures) {
        self.scenario = scenario
        self.commit = commit
        self.machine = machine
        self.params = params
        self.ours = ours
    }

    public mutating func baseline(_ name: String, _ figures: Figures) {
        baselines[name] = figures
        if figures.throughput_per_s > 0 { ratios[name] = ours.throughput_per_s / figures.throughput_per_s }
    }

    /// Judges a run's answers against the scenario's error budget as the
    /// check `check`; each violation becomes a note starting with the
    /// check's name (what a failed run prints).
    public mutating func judge(_ recorder: Recorder, by budget: ErrorBudget, gaps: Int = 0, as check: String = "errors_within_budget") {
        let violations = budget.violations(of: recorder, gaps: gaps)
        checks[check] = violations.isEmpty
        notes += violations.map { "\(check): \($0)" }
    }

    /// The notes a failed check left (see judge).
    public func notes(of check: String) -> [String] { notes.filter { $0.hasPrefix("\(check): ") } }

    public func write(to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try encoder.encode(self).write(to: URL(fileURLWithPath: directory).appendingPathComponent("\(scenario).json"))
    }
}
