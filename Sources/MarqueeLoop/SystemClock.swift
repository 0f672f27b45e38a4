import Glibc

/// The system's clocks, read here and nowhere else (as SwiftNIO's
/// System.swift wraps each system call once). Components that follow
/// rules in time take a TimeSource, which reads these unless a test drives
/// it by hand; measurements of the machine itself (request latencies, log
/// stamps, uptime) read these directly.
public enum SystemClock {
    /// Nanoseconds from CLOCK_MONOTONIC: intervals that wall-clock changes
    /// cannot skew.
    @inline(__always)
    public static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// Nanoseconds since 1970 from CLOCK_REALTIME: times others read.
    @inline(__always)
    public static func wallNanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    public static func wallMilliseconds() -> Int64 { wallNanoseconds() / 1_000_000 }

    /// Whole seconds since 1970, as `time(nil)` answers them: from the
    /// coarse clock, which the vDSO reads without touching the TSC (hot
    /// paths check token and hold expiry with it).
    @inline(__always)
    public static func wallSeconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &spec)
        return Int64(spec.tv_sec)
    }
}
