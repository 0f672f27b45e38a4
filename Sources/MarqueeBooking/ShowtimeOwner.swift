import MarqueeCore
import MarqueeHTTP
import MarqueeSeating
import MarqueeServer

/// What code outside this target (the live seat maps, MarqueeLive) may do
/// on a showtime's owner shard: read the engine's clock, find or load a
/// showtime's seats, and render them. Nothing here changes seats; every
/// change still goes through OwnerShard. Use it on that shard's loop only,
/// like the OwnerShard it wraps.
public struct ShowtimeOwner {
    fileprivate let shard: OwnerShard

    /// The owner shard's loop, its server and its shard-local objects.
    public var access: ShardAccess { shard.access }
    public var config: BookingConfig { shard.config }

    /// The moment the seat rules see now (BookingConfig.clock).
    public func now() -> SeatTime { shard.now() }

    /// A showtime's seats if they are loaded on this shard.
    public func loaded(_ id: Int64) -> ShowtimeSeats? { shard.loaded(id) }

    /// A showtime's seats, loaded from PostgreSQL on first touch.
    public func showtime(_ id: Int64, _ completion: @escaping (Result<ShowtimeSeats, APIError>) -> Void) {
        shard.showtime(id, completion)
    }

    /// The live map's snapshot message now, `mine` marking `user`'s held
    /// seats: the seat map's shared encoding (SeatMapReaders) after
    /// `{"type":"snapshot",`. `shared`: the same bytes every watcher
    /// without seats held here gets, until the next change.
    public func snapshot(_ seats: ShowtimeSeats, user: Int64?) -> (bytes: [UInt8], shared: Bool) {
        let now = self.now().seconds
        return SeatMapReaders.on(access).current(seats, now: now).snapshot(for: user, in: seats, now: now)
    }

    /// The snapshot of a showtime evicted after it ended, from the copy
    /// its `/seats` readers get (SeatMapReaders), while that is kept: its
    /// map no longer changes, so a watcher needs no reload.
    public func endedSnapshot(_ id: Int64) -> [UInt8]? {
        guard shard.loaded(id) == nil, let body = SeatMapReaders.on(access).endedMap(id) else { return nil }
        return SeatMapEncoding.snapshot(ofBody: body)
    }

    /// A seat state's name in answers and live deltas.
    public static func stateName(_ state: SeatWord.State) -> String { BookingJSON.stateName(state) }
}

extension SeatEngine {
    /// Runs `body` on the owner shard of `showtime` (right here when `here`
    /// is the owner), with the owner's narrow public face.
    public func onShowtimeOwner(of showtime: Int64, from here: ShardAccess,
                                _ body: @escaping @Sendable (ShowtimeOwner) -> Void) {
        onOwnerShard(of: showtime, from: here) { shard in body(ShowtimeOwner(shard: shard)) }
    }
}
