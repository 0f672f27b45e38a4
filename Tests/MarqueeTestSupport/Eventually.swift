import Glibc

/// Polls `condition` until it holds or `seconds` pass; true if it held.
///
/// For waiting on something another thread, process or server does (a
/// reconnect, a close noticed, a query reaching a lock): a fixed sleep is
/// too short on a loaded machine and wasted on an idle one, while a poll
/// moves on as soon as the thing has happened and fails only at the
/// deadline, which is generous because only a broken run reaches it.
public func eventually(within seconds: Double = 10, pollingEvery milliseconds: Int = 10,
                       _ condition: () throws -> Bool) rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .milliseconds(Int(seconds * 1_000)))
    while true {
        if try condition() { return true }
        if clock.now >= deadline { return false }
        var pause = timespec(tv_sec: milliseconds / 1_000, tv_nsec: (milliseconds % 1_000) * 1_000_000)
        nanosleep(&pause, nil)
    }
}
