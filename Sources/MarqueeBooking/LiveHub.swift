import Glibc
import MarqueeHTTP
import MarqueeLoop
import MarqueeServer

/// One shard's live seat-map watchers. Each delta batch from an owner is
/// encoded once into one frame and the same bytes are written to every
/// watcher of that showtime here. A watcher whose unsent bytes pass the
/// limit skips deltas and gets a fresh snapshot once it drains; one stuck
/// that way for too long is closed with 1013. Loop thread only.
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
        /// Its place in its showtime's array (removal swaps the last one in).
        var slot = 0

        init(socket: WebSocketConnection, showtime: Int64, user: Int64?, address: String) {
            self.socket = socket
            self.showtime = showtime
            self.user = user
            self.address = address
        }
    }


    let access: ShardAccess
    let engine: SeatEngine
    /// Showtime -> its watchers here; an array, since a delivery walks all of them.
    private var watchers: [Int64: [Watcher]] = [:]
    private var timer: LoopTimer?

    static func on(_ access: ShardAccess, engine: SeatEngine? = nil) -> LiveHub {
        access.local(LiveHub.self) { LiveHub(access: access, engine: engine!) }
    }

    private init(access: ShardAccess, engine: SeatEngine) {
        self.access = access
        self.engine = engine
        access.onFinish { [unowned self] in
            timer?.close()
            timer = nil
        }
    }

    func add(_ watcher: Watcher) {
        let first = watchers[watcher.showtime]?.isEmpty ?? true
        watcher.slot = watchers[watcher.showtime]?.count ?? 0
        watchers[watcher.showtime, default: []].append(watcher)
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
        guard watchers[showtime].map({ slot < $0.count && $0[slot] === watcher }) == true else { return }
        // Out of the dictionary while changed, so the array is not copied.
        var group = watchers.removeValue(forKey: showtime)!
        let moved = group.removeLast()
        if moved !== watcher {
            moved.slot = slot
            group[slot] = moved
        }
        guard group.isEmpty else {
            watchers[showtime] = group
            return
        }
        let shard = access.index
        engine.onOwnerShard(of: showtime, from: access) { owner in owner.liveFeed.unsubscribe(showtime, shard: shard) }
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
        engine.onOwnerShard(of: showtime, from: access) { owner in
            owner.showtime(showtime) { result in
                switch result {
                case .success(let seats):
                    if subscribe { owner.liveFeed.subscribe(seats, shard: shard) }
                    let snapshot = owner.liveFeed.snapshot(seats, user: user)
                    let seq = seats.seq
                    reply.execute { watcher in
                        watcher.snapshotRequested = false
                        watcher.hasSnapshot = true
                        watcher.seq = seq
                        watcher.socket.send(text: snapshot)
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

    /// One owner batch: encoded once, the same frame to every up-to-date watcher.
    func deliver(_ batch: LiveFeed.Batch) {
        guard let group = watchers[batch.showtime], !group.isEmpty else { return }
        let frame = Self.frame(batch, from: batch.fromSeq)
        // Watchers whose snapshot was taken while this batch was gathering
        // already have part of it: they get the same changes (each seat's
        // state now) numbered from just past their snapshot, so a client
        // checking `from_seq == seq + 1` never takes the overlap for a gap.
        var rebased: [UInt64: [UInt8]] = [:]
        let now = access.loop.now
        for watcher in group where watcher.hasSnapshot && batch.toSeq > watcher.seq {
            if watcher.laggingSince != nil { continue }
            if watcher.socket.pendingWriteBytes > engine.config.liveMaxUnsentBytes {
                // Too far behind: stop queueing; a fresh snapshot follows when it drains.
                watcher.laggingSince = now
                watcher.hasSnapshot = false
                continue
            }
            if watcher.seq >= batch.fromSeq {
                let from = watcher.seq + 1
                let own = rebased[from] ?? Self.frame(batch, from: from)
                rebased[from] = own
                watcher.socket.send(frame: own)
            } else {
                watcher.socket.send(frame: frame)
            }
            watcher.seq = batch.toSeq
        }
    }

    static func frame(_ batch: LiveFeed.Batch, from: UInt64) -> [UInt8] {
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
        return WebSocketEncoder.frame(.text, json.bytes)
    }

    private func checkLaggards() {
        let now = access.loop.now
        for group in watchers.values {
            for watcher in group {
                if let since = watcher.laggingSince, now &- since > engine.config.liveMaxLagMilliseconds {
                    watcher.socket.close(code: WebSocketCloseCode.tryAgainLater, reason: "too slow to keep up")
                }
            }
        }
    }
}
