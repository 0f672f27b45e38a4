/// Open-loop arrivals: request `n` is due at `start + n / rate`, whatever
/// happened to earlier ones. Latency counts from that intended time, so a
/// stalled server shows its stall in every request that waited for it
/// (no coordinated omission).
public struct OpenLoopSchedule: Sendable {
    public let startNanos: UInt64
    public let intervalNanos: UInt64

    public init(startNanos: UInt64, ratePerSecond: Double) {
        precondition(ratePerSecond > 0)
        self.startNanos = startNanos
        intervalNanos = max(1, UInt64(1_000_000_000 / ratePerSecond))
    }

    public func due(_ index: Int) -> UInt64 { startNanos + UInt64(index) * intervalNanos }

    /// How many requests are due by `now`.
    public func dueCount(at now: UInt64) -> Int {
        now < startNanos ? 0 : Int((now - startNanos) / intervalNanos) + 1
    }

    /// Latency of request `index` answered at `now`, from its intended send time.
    public func latencyMicros(of index: Int, answeredAt now: UInt64) -> UInt64 {
        let due = due(index)
        return now > due ? (now - due) / 1_000 : 0
    }
}
