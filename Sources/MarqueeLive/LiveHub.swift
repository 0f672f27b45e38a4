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
/// instead of one burst of every watcher at once, with the same frame rate
/// per watcher (the measurements are in BENCHMARKS.md). A group that has not sent in its current slot (nor in the
/// last half window) sends at once, so a lone change after a quiet spell
/// is not held back.
///
/// The window stretches under load: when writing deltas takes more than
/// half of this shard's time (measured over the last fifth of a second or
/// more), the window grows in proportion, up to eight times, and shrinks
/// back as the load falls. A crowd too big for the configured window then
/// gets fewer, fuller deltas instead of the shard drowning in frames while
/// holds and checkouts queue behind them. LiveHub+Pacing holds the slots
/// and the stretch, LiveHub+Deltas what a delta is and how it is written.
final class LiveHub {
    let access: ShardAccess
    let engine: SeatEngine
    private var audiences: [Int64: Audience] = [:]
    /// Per showtime, the last shared snapshot framed for each variant
    /// (plain, compressed per window size): a crowd connecting at once gets
    /// the owner's one encoding, framed and compressed once here.
    private var snapshotFrames: [Int64: (bytes: [UInt8], frames: [Int: [UInt8]])] = [:]
    private var timer: LoopTimer?
    // The pacing state below is read and written by LiveHub+Pacing.
    /// The window in use: the configured one, stretched (see above).
    var window: UInt64 { UInt64((Double(engine.config.liveCoalesceMilliseconds) * stretch).rounded()) }
    var groups: Int { max(1, engine.config.liveGroups) }
    /// How far the window is stretched now (1: as configured).
    var stretch = 1.0
    /// Time spent writing deltas since `measuredSince` (monotonic nanoseconds).
    var sendingNanos: UInt64 = 0
    var measuredSince = SystemClock.monotonicNanoseconds()
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
            if let ended = owner.endedSnapshot(showtime) {
                // Over and evicted: its final map, and nothing will follow.
                return reply.execute { watcher in
                    watcher.snapshotRequested = false
                    watcher.hasSnapshot = true
                    watcher.socket.send(frame: watcher.socket.frame(.text, ended))
                    watcher.socket.close(code: WebSocketCloseCode.normal, reason: Self.endedReason)
                }
            }
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

    /// The close reason after an ended showtime's final snapshot.
    static let endedReason = "showtime_ended"

    private func snapshotFrame(_ snapshot: (bytes: [UInt8], shared: Bool), for watcher: Watcher) -> [UInt8] {
        let socket = watcher.socket
        // A watcher's own snapshot (its held seats marked) is framed for it alone.
        guard snapshot.shared else { return socket.frame(.text, snapshot.bytes) }
        // The owner's shared bytes are one array: equal ones share storage, compared in O(1).
        let bytes = snapshot.bytes
        var entry: (bytes: [UInt8], frames: [Int: [UInt8]]) = snapshotFrames[watcher.showtime].flatMap { $0.bytes == bytes ? $0 : nil } ?? (bytes, [:])
        if let frame = entry.frames[socket.frameVariant] { return frame }
        let frame = socket.frame(.text, bytes)
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
