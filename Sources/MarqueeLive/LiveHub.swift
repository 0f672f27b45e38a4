import Glibc
import MarqueeBooking
import MarqueeHTTP
import MarqueeLoop
import MarqueeServer

/// One shard's live seat-map watchers. Each delta is encoded once per
/// group of watchers and the same bytes are written to every watcher of
/// the group. A watcher whose unsent bytes pass the limit skips deltas and
/// gets a fresh snapshot once it drains; one stuck that way for too long is
/// closed with 1013. Loop thread only.
///
/// A showtime's watchers here are split into `liveGroups` groups whose
/// windows are phase-shifted: group g may get one delta per window slot,
/// its slots starting g/groups of a window after group 0's. A crowd's
/// deltas then go out in that many smaller bursts spread over the window
/// instead of one burst of every watcher at once (which, on two cores,
/// took most of a window to write and read), with the same frame rate per
/// watcher. A group that has not sent in its current slot (nor in the
/// last half window) sends at once, so a lone change after a quiet spell
/// is not held back.
///
/// The window stretches under load: when writing deltas takes more than
/// half of this shard's time (measured over the last fifth of a second or
/// more), the window grows in proportion, up to eight times, and shrinks
/// back as the load falls. A crowd too big for the configured window then
/// gets fewer, fuller deltas instead of the shard drowning in frames while
/// holds and checkouts queue behind them (10,000 watchers at 50 ms: buyers'
/// requests waited seconds before).
final class LiveHub {
    final class Watcher {
        let socket: WebSocketConnection
        let showtime: Int64
        let user: Int64?
        let address: String
        /// The seq its last snapshot reflected; deltas up to it are skipped.
        var seq: UInt64 = 0
        var hasSnapshot = false
        var laggingSince: UInt64?
        var snapshotRequested = false
        /// Its place in its group's array (removal swaps the last one in).
        var slot = 0
        /// Its delta group (see above).
        var group = 0

        init(socket: WebSocketConnection, showtime: Int64, user: Int64?, address: String) {
            self.socket = socket
            self.showtime = showtime
            self.user = user
            self.address = address
        }
    }

    /// One showtime's watchers on this shard and its groups' pending deltas.
    final class Audience {
        /// Per group: its watchers here (an array each, since a delta walks
        /// all of a group's; picking them out of one array touched every
        /// watcher of the showtime per group's delta), the batches since its last delta
        /// (oldest first; none kept for a group without watchers), and when
        /// it last sent one (loop time, nil before its first).
        var members: [[Watcher]]
        var pending: [[LiveFeed.Batch]]
        var sentAt: [UInt64?]
        var joined = 0
        var timer: LoopTimer?

        init(groups: Int) {
            members = Array(repeating: [], count: groups)
            pending = Array(repeating: [], count: groups)
            sentAt = Array(repeating: nil, count: groups)
        }

        var isEmpty: Bool { members.allSatisfy(\.isEmpty) }
    }

    let access: ShardAccess
    let engine: SeatEngine
    private var audiences: [Int64: Audience] = [:]
    /// Per showtime, the last anonymous snapshot framed for each variant
    /// (plain, compressed per window size): a crowd connecting at once gets
    /// the owner's one cached text, framed and compressed once here.
    private var snapshotFrames: [Int64: (text: String, frames: [Int: [UInt8]])] = [:]
    private var timer: LoopTimer?
    /// The window in use: the configured one, stretched (see above).
    private var window: UInt64 { UInt64((Double(engine.config.liveCoalesceMilliseconds) * stretch).rounded()) }
    private var groups: Int { max(1, engine.config.liveGroups) }
    /// How far the window is stretched now (1: as configured).
    private(set) var stretch = 1.0
    /// Time spent writing deltas since `measuredSince` (monotonic nanoseconds).
    private var sendingNanos: UInt64 = 0
    private var measuredSince = SystemClock.monotonicNanoseconds()
    /// The share of a shard's time deltas may take before the window stretches.
    static let fanOutBudget = 0.5

    static func on(_ access: ShardAccess, engine: SeatEngine? = nil) -> LiveHub {
        access.local(LiveHub.self) { LiveHub(access: access, engine: engine!) }
    }

    private init(access: ShardAccess, engine: SeatEngine) {
        self.access = access
        self.engine = engine
        // For operators, at /metrics: watchers here and the window in use.
        access.gauge("marquee_live_watchers", help: "Live seat-map watchers, by shard.") { [unowned self] in
            Double(audiences.values.reduce(0) { $0 + $1.members.reduce(0) { $0 + $1.count } })
        }
        access.gauge("marquee_live_window_milliseconds",
                     help: "The live delta window in use, by shard (the configured one, stretched under load).") { [unowned self] in
            Double(window)
        }
        access.onFinish { [unowned self] in
            timer?.close()
            timer = nil
            for audience in audiences.values {
                audience.timer?.close()
                audience.timer = nil
            }
        }
    }

    func add(_ watcher: Watcher) {
        let audience = audiences[watcher.showtime] ?? Audience(groups: groups)
        audiences[watcher.showtime] = audience
        let first = audience.isEmpty
        watcher.group = Self.group(joined: audience.joined, groups: groups, size: engine.config.liveGroupSize)
        watcher.slot = audience.members[watcher.group].count
        audience.joined += 1
        audience.members[watcher.group].append(watcher)
        watcher.socket.onText = { [unowned self, unowned watcher] text in
            if String(decoding: text, as: UTF8.self).contains("\"resync\"") { requestSnapshot(watcher) }
        }
        watcher.socket.onDrained = { [unowned self, unowned watcher] in
            if watcher.laggingSince != nil {
                watcher.laggingSince = nil
                requestSnapshot(watcher)
            }
        }
        watcher.socket.onClose = { [unowned self, unowned watcher] in remove(watcher) }
        watcher.socket.start()
        if timer == nil {
            let timer = LoopTimer(loop: access.loop)
            timer.start(after: 1_000, repeat: 1_000) { [unowned self] in checkLaggards() }
            self.timer = timer
        }
        requestSnapshot(watcher, subscribe: first)
    }

    private func remove(_ watcher: Watcher) {
        let showtime = watcher.showtime
        let slot = watcher.slot
        let group = watcher.group
        guard let audience = audiences[showtime], slot < audience.members[group].count,
              audience.members[group][slot] === watcher else { return }
        let moved = audience.members[group].removeLast()
        if moved !== watcher {
            moved.slot = slot
            audience.members[group][slot] = moved
        }
        if audience.members[group].isEmpty { audience.pending[group] = [] }
        guard audience.isEmpty else { return }
        audience.timer?.close()
        audiences[showtime] = nil
        snapshotFrames[showtime] = nil
        let shard = access.index
        engine.onShowtimeOwner(of: showtime, from: access) { owner in LiveFeed.on(owner).unsubscribe(showtime, shard: shard) }
    }

    /// Asks the owner for a snapshot (and, for a shard's first watcher of
    /// the showtime, to start sending deltas here: same hop, so no delta
    /// can fall between the two).
    private func requestSnapshot(_ watcher: Watcher, subscribe: Bool = false) {
        guard !watcher.snapshotRequested else { return }
        if watcher.socket.pendingWriteBytes > engine.config.liveMaxUnsentBytes {
            // Not reading what it has: the snapshot waits until it drains
            // (a client asking for resyncs without reading cannot grow memory).
            if watcher.laggingSince == nil { watcher.laggingSince = access.loop.now }
            watcher.hasSnapshot = false
            return
        }
        watcher.snapshotRequested = true
        let shard = access.index
        let showtime = watcher.showtime
        let user = watcher.user
        let reply = LoopBound(watcher, loop: access.loop)
        let hub = LoopBound(self, loop: access.loop)
        engine.onShowtimeOwner(of: showtime, from: access) { owner in
            owner.showtime(showtime) { result in
                switch result {
                case .success(let seats):
                    let feed = LiveFeed.on(owner)
                    if subscribe { feed.subscribe(seats, shard: shard) }
                    let snapshot = feed.snapshot(seats, user: user)
                    let seq = seats.seq
                    reply.execute { watcher in
                        watcher.snapshotRequested = false
                        watcher.hasSnapshot = true
                        watcher.seq = seq
                        watcher.socket.send(frame: hub.value.snapshotFrame(snapshot, for: watcher))
                    }
                case .failure(let error):
                    reply.execute { watcher in
                        watcher.snapshotRequested = false
                        watcher.socket.close(code: error.status.code == 404 ? WebSocketCloseCode.policyViolation : WebSocketCloseCode.tryAgainLater,
                                             reason: error.code)
                    }
                }
            }
        }
    }

    private func snapshotFrame(_ text: String, for watcher: Watcher) -> [UInt8] {
        let socket = watcher.socket
        // A watcher's own snapshot (its holds marked) is framed for it alone.
        guard watcher.user == nil else { return socket.frame(.text, Array(text.utf8)) }
        // Equal strings from the owner's cache share storage: compared in O(1).
        var entry: (text: String, frames: [Int: [UInt8]]) = snapshotFrames[watcher.showtime].flatMap { $0.text == text ? $0 : nil } ?? (text, [:])
        if let frame = entry.frames[socket.frameVariant] { return frame }
        let frame = socket.frame(.text, Array(text.utf8))
        entry.frames[socket.frameVariant] = frame
        snapshotFrames[watcher.showtime] = entry
        return frame
    }

    /// One owner batch: queued for every group, sent now to each group that
    /// has not sent in its current slot (the others when their slot starts).
    func deliver(_ batch: LiveFeed.Batch) {
        guard let audience = audiences[batch.showtime], !audience.isEmpty else { return }
        for group in audience.pending.indices where !audience.members[group].isEmpty { audience.pending[group].append(batch) }
        sendDue(audience)
    }

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

    private func sendDue(_ audience: Audience) {
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
            // included (with CPU time, 10,000 watchers on two shared cores
            // kept buyers' requests waiting half a second at the median).
            let started = SystemClock.monotonicNanoseconds()
            send(batch, to: audience, group: group)
            sendingNanos += SystemClock.monotonicNanoseconds() &- started
        }
        measureLoad()
        guard let wake else { return }
        if audience.timer == nil { audience.timer = LoopTimer(loop: access.loop) }
        audience.timer?.start(after: wake) { [unowned self, unowned audience] in sendDue(audience) }
    }

    private func measureLoad() {
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

    /// Consecutive batches as one: seq range over all, each seat once with
    /// its latest state, stamped with the oldest change.
    static func merged(_ batches: [LiveFeed.Batch]) -> LiveFeed.Batch {
        guard batches.count > 1 else { return batches[0] }
        let first = batches[0]
        let last = batches[batches.count - 1]
        var at: [String: Int] = [:]
        var changes: [(label: String, state: String)] = []
        for batch in batches {
            for change in batch.changes {
                if let index = at[change.label] {
                    changes[index].state = change.state
                } else {
                    at[change.label] = changes.count
                    changes.append(change)
                }
            }
        }
        return LiveFeed.Batch(showtime: first.showtime, fromSeq: first.fromSeq, toSeq: last.toSeq,
                              oldestChangeMillis: first.oldestChangeMillis, changes: changes)
    }

    /// Encoded once, the same frame to every up-to-date watcher of the
    /// group; once more per other variant met (a watcher that agreed
    /// permessage-deflate gets the compressed frame for its window size).
    private func send(_ batch: LiveFeed.Batch, to audience: Audience, group: Int) {
        let plain = WebSocketEncoder.frame(.text, Self.payload(batch, from: batch.fromSeq))
        // Watchers whose snapshot was taken while this batch was gathering
        // already have part of it: they get the same changes (each seat's
        // state now) numbered from just past their snapshot, so a client
        // checking `from_seq == seq + 1` never takes the overlap for a gap.
        var others: [FrameKey: [UInt8]] = [:]
        let now = access.loop.now
        for watcher in audience.members[group] where watcher.hasSnapshot && batch.toSeq > watcher.seq {
            if watcher.laggingSince != nil { continue }
            if watcher.socket.pendingWriteBytes > engine.config.liveMaxUnsentBytes {
                // Too far behind: stop queueing; a fresh snapshot follows when it drains.
                watcher.laggingSince = now
                watcher.hasSnapshot = false
                continue
            }
            let from = watcher.seq >= batch.fromSeq ? watcher.seq + 1 : batch.fromSeq
            let variant = watcher.socket.frameVariant
            if from == batch.fromSeq && variant == 0 {
                watcher.socket.send(frame: plain)
            } else {
                let key = FrameKey(from: from, variant: variant)
                let frame = others[key] ?? watcher.socket.frame(.text, Self.payload(batch, from: from))
                others[key] = frame
                watcher.socket.send(frame: frame)
            }
            watcher.seq = batch.toSeq
        }
    }

    private struct FrameKey: Hashable {
        let from: UInt64
        let variant: Int
    }

    /// The delta message's JSON.
    static func payload(_ batch: LiveFeed.Batch, from: UInt64) -> [UInt8] {
        var json = JSONBuffer(capacity: 96 + 34 * batch.changes.count)
        json.raw("{\"type\":\"delta\",\"showtime\":")
        json.integer(batch.showtime)
        json.raw(",\"from_seq\":")
        json.integer(from)
        json.raw(",\"seq\":")
        json.integer(batch.toSeq)
        json.raw(",\"oldest_change_at\":")
        json.timestamp(milliseconds: batch.oldestChangeMillis)
        json.raw(",\"changes\":[")
        for (index, change) in batch.changes.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"seat\":")
            json.string(change.label)
            json.raw(",\"state\":")
            json.string(change.state)
            json.raw("}")
        }
        json.raw("]}")
        return json.bytes
    }

    private func checkLaggards() {
        let now = access.loop.now
        for audience in audiences.values {
            for watcher in audience.members.joined() {
                if let since = watcher.laggingSince, now &- since > engine.config.liveMaxLagMilliseconds {
                    watcher.socket.close(code: WebSocketCloseCode.tryAgainLater, reason: "too slow to keep up")
                }
            }
        }
    }
}
