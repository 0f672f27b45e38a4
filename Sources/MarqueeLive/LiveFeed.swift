import MarqueeBooking
import MarqueeCore
import MarqueeLoop
import MarqueeSeating
import MarqueeServer

/// The owner shard's side of live seat maps: which shards watch a showtime,
/// and its changes coalesced into one batch per showtime, handed to each
/// watching shard in sequence order (one MPSC queue per shard keeps them
/// ordered after the snapshots sent before them).
///
/// Coalescing is a rate limit, not a delay: at most one batch every
/// `liveCoalesceMilliseconds / (2 * liveGroups)`, and the first change
/// after a quiet spell goes out after its own loop turn. The watchers'
/// shards then give each group of watchers at most one delta per window
/// (LiveHub): batches come often enough for each group's slot to start
/// on time, and a lone change does not wait.
///
/// One per owner shard (a shard-local object), reaching the seat engine
/// only through ShowtimeOwner. Loop thread only.
final class LiveFeed {
    /// A turn's changes of one showtime: seats and their state now.
    struct Batch: Sendable {
        let showtime: Int64
        let fromSeq: UInt64
        let toSeq: UInt64
        /// When the owner accepted the batch's oldest change (Unix milliseconds):
        /// a watcher can tell how fresh its map is.
        let oldestChangeMillis: Int64
        let changes: [(label: String, state: String)]
    }

    private let owner: ShowtimeOwner
    /// showtime -> shards with watchers of it.
    private var subscribers: [Int64: Set<Int>] = [:]
    /// showtime -> (first seq of the turn, seats changed this turn, when the first was accepted).
    private var pending: [Int64: (from: UInt64, to: UInt64, seats: Set<Int>, since: Int64)] = [:]
    private var scheduled = false
    private var timer: LoopTimer?
    /// Loop time (milliseconds) of the last flush.
    private var lastFlush: UInt64 = 0

    /// The feed of the owner shard `owner` stands for.
    static func on(_ owner: ShowtimeOwner) -> LiveFeed {
        owner.access.local(LiveFeed.self) { LiveFeed(owner: owner) }
    }

    private init(owner: ShowtimeOwner) {
        self.owner = owner
    }

    func subscribe(_ showtime: ShowtimeSeats, shard: Int) {
        if subscribers[showtime.id] == nil {
            // The first watcher anywhere: start listening to its events.
            showtime.listeners.append { [unowned self] event in record(event) }
        }
        subscribers[showtime.id, default: []].insert(shard)
    }

    func unsubscribe(_ showtime: Int64, shard: Int) {
        subscribers[showtime]?.remove(shard)
    }

    private func record(_ event: SeatEvent) {
        guard subscribers[event.showtime]?.isEmpty == false else { return }
        if var entry = pending[event.showtime] {
            entry.to = event.seq
            entry.seats.formUnion(event.seats)
            pending[event.showtime] = entry
        } else {
            pending[event.showtime] = (event.seq, event.seq, Set(event.seats), owner.config.clock.wallMilliseconds())
        }
        guard !scheduled else { return }
        scheduled = true
        let loop = owner.access.loop
        let window = owner.config.liveCoalesceMilliseconds / UInt64(2 * max(1, owner.config.liveGroups))
        let sinceLast = loop.now &- lastFlush
        guard sinceLast < window else {
            // After this turn's callbacks: everything they changed goes in one batch.
            let bound = LoopBound(self, loop: loop)
            loop.execute { bound.value.flush() }
            return
        }
        if timer == nil {
            let made = LoopTimer(loop: owner.access.loop)
            owner.access.onFinish { made.close() }
            timer = made
        }
        timer?.start(after: window - sinceLast) { [unowned self] in flush() }
    }

    private func flush() {
        scheduled = false
        lastFlush = owner.access.loop.now
        let now = owner.now().seconds
        let turn = pending
        pending = [:]
        for (id, entry) in turn {
            guard let seats = owner.loaded(id), let shards = subscribers[id], !shards.isEmpty else { continue }
            let changes = entry.seats.sorted().map { seat in
                (label: seats.seats[seat].label, state: ShowtimeOwner.stateName(seats.map.word(seat).state(at: now)))
            }
            let batch = Batch(showtime: id, fromSeq: entry.from, toSeq: entry.to, oldestChangeMillis: entry.since, changes: changes)
            for shard in shards {
                owner.access.server.onShard(shard) { access in LiveHub.on(access).deliver(batch) }
            }
        }
    }

    /// A snapshot for one watcher, with whether it is the showtime's shared
    /// one: a crowd connecting at an on-sale gets the same bytes, encoded
    /// once per change for them and `/seats` alike (ShowtimeOwner.snapshot).
    func snapshot(_ seats: ShowtimeSeats, user: Int64?) -> (bytes: [UInt8], shared: Bool) {
        owner.snapshot(seats, user: user)
    }
}
