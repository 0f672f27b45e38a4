import Synchronization

/// Where a component reads the time: the system's clocks (SystemClock), or
/// a ManualClock a test moves by hand. A value passed in through
/// configuration (ServerConfig.clock, BookingConfig.clock), so the code
/// that decides by the time (token expiry, hold expiry, showtime start)
/// never reads a clock of its own.
///
/// The system case holds no reference: reading it costs the system call
/// and a nil check, nothing retained.
public struct TimeSource: Sendable {
    private let manual: ManualClock?

    public static let system = TimeSource(manual: nil)

    /// Time that moves only when `clock` is moved.
    public static func manual(_ clock: ManualClock) -> TimeSource { TimeSource(manual: clock) }

    private init(manual: ManualClock?) { self.manual = manual }

    @inline(__always)
    public func wallNanoseconds() -> Int64 {
        if let manual { return manual.wallNanoseconds }
        return SystemClock.wallNanoseconds()
    }

    public func wallMilliseconds() -> Int64 { wallNanoseconds() / 1_000_000 }

    /// Whole seconds since 1970.
    @inline(__always)
    public func wallSeconds() -> Int64 {
        if let manual { return manual.wallNanoseconds / 1_000_000_000 }
        return SystemClock.wallSeconds()
    }

    @inline(__always)
    public func monotonicNanoseconds() -> UInt64 {
        if let manual { return manual.monotonicNanoseconds }
        return SystemClock.monotonicNanoseconds()
    }
}

/// A clock tests move by hand: wall and monotonic time advance together,
/// and only when told. Any thread may read or move it (relaxed atomics: a
/// reader sees the old or the new time, and nothing else is published
/// through it).
public final class ManualClock: Sendable {
    private let wall: Atomic<Int64>
    private let monotonic: Atomic<UInt64>

    /// Starts at `wallSeconds` since 1970 (e.g. the system's time now).
    public init(wallSeconds: Int64, monotonicNanoseconds: UInt64 = 1_000_000_000) {
        wall = Atomic(wallSeconds * 1_000_000_000)
        monotonic = Atomic(monotonicNanoseconds)
    }

    public var wallNanoseconds: Int64 { wall.load(ordering: .relaxed) }
    public var monotonicNanoseconds: UInt64 { monotonic.load(ordering: .relaxed) }

    public func advance(nanoseconds: UInt64) {
        wall.wrappingAdd(Int64(nanoseconds), ordering: .relaxed)
        monotonic.wrappingAdd(nanoseconds, ordering: .relaxed)
    }

    public func advance(seconds: UInt64) { advance(nanoseconds: seconds * 1_000_000_000) }
}
