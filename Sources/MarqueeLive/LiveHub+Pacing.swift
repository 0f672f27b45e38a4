import Glibc
import MarqueeLoop
import MarqueeServer

/// When each group of a showtime's watchers sends its next delta, and
/// how far the window stretches under load (see LiveHub).
extension LiveHub {
    /// The group of a showtime's `joined`-th watcher on this shard. A group
    /// is worth its own encode and timer only for a crowd: the first `size`
    /// watchers share one, then each further `size` open one more, up to
    /// `groups` (see BookingConfig.liveGroupSize).
    static func group(joined: Int, groups: Int, size: Int) -> Int {
        joined % min(groups, 1 + joined / max(1, size))
    }

    /// How far (milliseconds) group `group`'s slots start after group 0's.
    private func phase(of group: Int) -> UInt64 { UInt64(group) * window / UInt64(groups) }

    /// The slot group `group` is in at `now`: slot n runs from
    /// (n - 1) * window + phase to n * window + phase.
    private func slot(of group: Int, at now: UInt64) -> UInt64 {
        (now + window - phase(of: group)) / window
    }

    /// When group `group`, which last sent at `last`, may send again; nil
    /// for now. At most one delta per slot, and none within half a window
    /// of the last (a send late in one slot is not followed at once by one
    /// early in the next; at a crowd's steady rate sends fall on slot
    /// starts, so this does not move them).
    private func nextSend(of group: Int, last: UInt64?, now: UInt64) -> UInt64? {
        guard window > 0, let last else { return nil }
        let current = slot(of: group, at: now)
        let slotStart = slot(of: group, at: last) == current ? current * window + phase(of: group) : now
        let earliest = max(slotStart, last + window / 2)
        return earliest > now ? earliest : nil
    }

    func sendDue(_ audience: Audience) {
        let now = access.loop.now
        var wake: UInt64?
        for group in audience.pending.indices where !audience.pending[group].isEmpty {
            if let due = nextSend(of: group, last: audience.sentAt[group], now: now) {
                wake = min(wake ?? .max, due - now)
                continue
            }
            audience.sentAt[group] = now
            let batch = Self.merged(audience.pending[group])
            audience.pending[group] = []
            // Wall time, not the thread's CPU time: what the shard's other
            // work waits for is the time the loop spends here, preemption
            // included (CPU time undercounts it on shared cores).
            let started = SystemClock.monotonicNanoseconds()
            send(batch, to: audience, group: group)
            sendingNanos += SystemClock.monotonicNanoseconds() &- started
        }
        measureLoad()
        guard let wake else { return }
        if audience.timer == nil { audience.timer = LoopTimer(loop: access.loop) }
        audience.timer?.start(after: wake) { [unowned self, unowned audience] in sendDue(audience) }
    }

    func measureLoad() {
        let now = SystemClock.monotonicNanoseconds()
        let elapsed = now &- measuredSince
        guard elapsed >= 200_000_000 else { return }
        let busy = Double(sendingNanos) / Double(elapsed)
        let previous = stretch
        stretch = Self.stretch(stretch, busy: busy)
        // Operators hear of it when it matters (twice the window), once each way.
        if previous < 2 && stretch >= 2 {
            access.logger.warning("live deltas take most of this shard's time: window stretched", metadata: [
                "window_ms": .stringConvertible(window), "fan_out_share": .string(String(format: "%.2f", busy))])
        } else if previous >= 2 && stretch < 2 {
            access.logger.info("live window back under twice its setting", metadata: ["window_ms": .stringConvertible(window)])
        }
        sendingNanos = 0
        measuredSince = now
    }

    /// The next stretch, given the current one and the share of time deltas
    /// took with it. Frames per second go as one over the window, so the
    /// stretch that would bring that share to the budget is in proportion;
    /// half of the way is taken each time (no swinging), within 1...8.
    static func stretch(_ current: Double, busy: Double) -> Double {
        let wanted = current * busy / fanOutBudget
        return min(8, max(1, (current + wanted) / 2))
    }
}
