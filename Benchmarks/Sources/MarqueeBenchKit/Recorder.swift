import Histogram

/// What one load loop measured: latency (microseconds) in an HdrHistogram,
/// answers by status, transport errors, and completions per second of the
/// run for the throughput-over-time plot. Loops merge theirs at the end.
/// Apart from the measured figures, every answer of the run (warm-up
/// included) is tallied, the non-2xx ones by kind: what error budgets judge.
public struct Recorder: Sendable {
    public var latency = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000,
                                           numberOfSignificantValueDigits: .three)
    public var statuses: [Int: Int] = [:]
    public var transportErrors = 0
    public var perSecond: [Int] = []
    public var completed = 0
    /// Answers over the whole run, warm-up included.
    public var answered = 0
    /// The non-2xx answers among them, by status and error code.
    public var refusals: [Refusal: Int] = [:]

    public init() {}

    /// Tallies an answer of the run, measured or not; a non-2xx one by its
    /// kind (its body is read only then: a passing run reads no bodies).
    public mutating func tally(status: Int, body: [UInt8]) {
        answered += 1
        if status < 200 || status >= 300 { refusals[Refusal(status: status, body: body), default: 0] += 1 }
    }

    public mutating func record(status: Int, micros: UInt64, second: Int) {
        recordLatency(micros: micros)
        count(status: status, second: second)
    }

    /// A latency sample alone (the fan-out takes one per seat change and
    /// counts frames apart).
    public mutating func recordLatency(micros: UInt64) {
        _ = latency.record(max(1, min(micros, 60_000_000)))
    }

    /// An answer or frame, without a latency sample.
    public mutating func count(status: Int, second: Int) {
        statuses[status, default: 0] += 1
        completed += 1
        if second >= 0 {
            if perSecond.count <= second { perSecond.append(contentsOf: repeatElement(0, count: second - perSecond.count + 1)) }
            perSecond[second] += 1
        }
    }

    public mutating func merge(_ other: Recorder) {
        latency.add(other.latency)
        for (status, count) in other.statuses { statuses[status, default: 0] += count }
        transportErrors += other.transportErrors
        completed += other.completed
        answered += other.answered
        for (refusal, count) in other.refusals { refusals[refusal, default: 0] += count }
        if perSecond.count < other.perSecond.count {
            perSecond.append(contentsOf: repeatElement(0, count: other.perSecond.count - perSecond.count))
        }
        for (second, count) in other.perSecond.enumerated() { perSecond[second] += count }
    }

    /// Merges a later round of the same load: its seconds follow this one's.
    public mutating func appendRound(_ other: Recorder) {
        let seconds = perSecond
        merge(other)
        perSecond = seconds + other.perSecond
    }

    public func milliseconds(atPercentile percentile: Double) -> Double {
        Double(latency.valueAtPercentile(percentile)) / 1_000
    }

    /// Answers that are not 2xx, by status, plus transport errors.
    public var errors: Int { statuses.filter { $0.key < 200 || $0.key >= 300 }.values.reduce(0, +) + transportErrors }
}
