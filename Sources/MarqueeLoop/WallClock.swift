import Glibc

/// Time since 1970 from CLOCK_REALTIME, for times others read (log lines,
/// the stamps on live deltas); intervals use MonotonicClock.
public enum WallClock {
    @inline(__always)
    public static func nanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    public static func milliseconds() -> Int64 { nanoseconds() / 1_000_000 }
}
