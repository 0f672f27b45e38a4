import Synchronization

/// When each seat last changed at the writers' end: nanoseconds of the
/// request that changed it, per watched showtime slot and seat. Writers
/// store, watchers load (relaxed: a latency sample may read a slightly
/// older time, which only makes it larger, never hides a delay).
public final class ChangeTimes: @unchecked Sendable {
    public let showtimes: Int
    public let seats: Int
    private let times: UnsafeMutablePointer<Atomic<UInt64>>

    public init(showtimes: Int, seats: Int) {
        self.showtimes = showtimes
        self.seats = seats
        times = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: showtimes * seats)
        for index in 0..<(showtimes * seats) { (times + index).initialize(to: Atomic(0)) }
    }

    deinit { times.deallocate() }

    public func store(showtime: Int, seat: Int, nanos: UInt64) { times[showtime * seats + seat].store(nanos, ordering: .relaxed) }
    public func load(showtime: Int, seat: Int) -> UInt64 { times[showtime * seats + seat].load(ordering: .relaxed) }
}
