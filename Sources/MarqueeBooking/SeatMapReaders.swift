import MarqueeHTTP
import MarqueeLoop
import MarqueeSeating
import MarqueeServer

/// Seat-map reads on an owner shard: `/seats` and live snapshots of a
/// loaded showtime share its one encoding per change (SeatMapEncoding,
/// kept on its ShowtimeSeats), and a showtime evicted after it ended is
/// answered from a copy of its last map instead of a reload from
/// PostgreSQL per request. Loop thread only.
///
/// An ended copy is kept only for a map with no held seat (its `mine`
/// flags are false for everyone, and no expiry can change it), for at most
/// `endedMilliseconds`, at most `endedCapacity` per shard. It goes as soon
/// as the showtime is loaded here again (any write loads it), so a copy
/// can lag only a change made through another instance, and only until it
/// runs out.
final class SeatMapReaders {
    private let access: ShardAccess
    /// Encodings made on this shard (the /metrics gauge).
    private(set) var encodings = 0
    private var ended: [Int64: (body: [UInt8], until: UInt64)] = [:]

    static let endedMilliseconds: UInt64 = 60_000
    static let endedCapacity = 128

    static func on(_ access: ShardAccess) -> SeatMapReaders {
        access.local(SeatMapReaders.self) { SeatMapReaders(access: access) }
    }

    private init(access: ShardAccess) {
        self.access = access
        access.gauge("marquee_seat_map_encodings",
                     help: "Seat maps encoded since start, by shard: one per change that was read, shared by every reader of it.") {
            [unowned self] in Double(encodings)
        }
        access.gauge("marquee_seat_map_ended_copies",
                     help: "Ended showtimes' seat maps kept to answer without a reload, by shard.") { [unowned self] in
            Double(ended.count)
        }
    }

    /// The encoding of `seats` at `now`: the one kept unless it was made
    /// before a change (or its held seats' expiry).
    func current(_ seats: ShowtimeSeats, now: UInt32) -> SeatMapEncoding {
        let kept = seats.encoded as? SeatMapEncoding
        if let kept, kept.stands(for: seats, now: now) { return kept }
        if !ended.isEmpty { ended[seats.id] = nil }
        let made = SeatMapEncoding.encode(seats, now: now, fragments: kept?.fragments)
        seats.encoded = made
        encodings += 1
        return made
    }

    /// The `/seats` body of a loaded showtime for `user`.
    func body(_ seats: ShowtimeSeats, user: Int64?, now: UInt32) -> [UInt8] {
        current(seats, now: now).body(for: user, in: seats, now: now)
    }

    /// Before an ended showtime's memory goes: keeps its last map.
    func keepEnded(_ seats: ShowtimeSeats, now: UInt32) {
        let encoding = current(seats, now: now)
        guard encoding.until == .max else { return }
        let clock = access.loop.now
        if ended.count >= Self.endedCapacity {
            ended = ended.filter { $0.value.until > clock }
            if ended.count >= Self.endedCapacity, let oldest = ended.min(by: { $0.value.until < $1.value.until }) {
                ended[oldest.key] = nil
            }
        }
        ended[seats.id] = (encoding.body, clock + Self.endedMilliseconds)
    }

    /// The kept map of a showtime evicted after it ended, if still good.
    func endedMap(_ id: Int64) -> [UInt8]? {
        guard let copy = ended[id] else { return nil }
        guard copy.until > access.loop.now else {
            ended[id] = nil
            return nil
        }
        return copy.body
    }
}
