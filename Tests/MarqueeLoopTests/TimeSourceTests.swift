import MarqueeLoop
import Testing

@Suite("Time sources")
struct TimeSourceTests {
    @Test("a manual clock moves only when told, wall and monotonic time together")
    func manual() {
        let clock = ManualClock(wallSeconds: 1_800_000_000, monotonicNanoseconds: 5)
        let time = TimeSource.manual(clock)
        #expect(time.wallSeconds() == 1_800_000_000 && time.wallMilliseconds() == 1_800_000_000_000)
        #expect(time.monotonicNanoseconds() == 5)
        clock.advance(nanoseconds: 1_500_000_000)
        #expect(time.wallSeconds() == 1_800_000_001 && time.wallMilliseconds() == 1_800_000_001_500)
        #expect(time.monotonicNanoseconds() == 1_500_000_005)
        clock.advance(seconds: 60)
        #expect(time.wallSeconds() == 1_800_000_061)
    }

    @Test("the system source reads the system's clocks")
    func system() {
        let before = SystemClock.wallNanoseconds()
        let read = TimeSource.system.wallNanoseconds()
        let after = SystemClock.wallNanoseconds()
        #expect(before <= read && read <= after)
        // Whole seconds come from the coarse clock, which may trail by a tick.
        let seconds = TimeSource.system.wallSeconds()
        #expect(seconds >= before / 1_000_000_000 - 1 && seconds <= SystemClock.wallNanoseconds() / 1_000_000_000)
        let monotonic = TimeSource.system.monotonicNanoseconds()
        #expect(monotonic > 0 && monotonic <= SystemClock.monotonicNanoseconds())
    }
}
