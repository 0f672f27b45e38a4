@testable import MarqueeLive
import Testing

@Suite("Live groups and window under load")
struct LiveLoadTests {
    @Test("within the budget the window stays as configured; past it, it grows half way to where deltas would take the budget")
    func steps() {
        #expect(LiveHub.stretch(1, busy: 0.1) == 1)
        #expect(LiveHub.stretch(1, busy: 0.5) == 1)
        // 80% of the time writing deltas: 1.6x the window would make it 50%; half way there.
        #expect(LiveHub.stretch(1, busy: 0.8) == 1.3)
        #expect(LiveHub.stretch(2, busy: 0.25) == 1.5, "the load fell: it shrinks back")
        #expect(LiveHub.stretch(6, busy: 1.0) == 8, "never past eight times")
    }

    @Test("a steady overload converges on the stretch that takes the budget, without swinging past it")
    func converges() {
        // Deltas would take 1.6 of the shard's time at the configured window
        // (impossible: it saturates), and time goes as one over the stretch.
        var stretch = 1.0
        var previous = 0.0
        for _ in 0..<20 {
            let busy = min(1, 1.6 / stretch)
            stretch = LiveHub.stretch(stretch, busy: busy)
            #expect(stretch >= previous, "no swing back while still over budget")
            previous = stretch
        }
        #expect(abs(stretch - 3.2) < 0.05, "1.6 / 3.2 is the 50% budget: \(stretch)")
    }

    @Test("a crowd opens groups as it grows: the first 128 watchers share one, each further 128 add one, up to the setting")
    func groupsGrowWithTheCrowd() {
        let groups = (0..<2_000).map { LiveHub.group(joined: $0, groups: 8, size: 128) }
        #expect(Set(groups.prefix(128)) == [0])
        #expect(Set(groups[128..<256]) == [0, 1])
        #expect(Set(groups) == Set(0..<8))
        let last = Dictionary(grouping: groups.suffix(1_000), by: { $0 }).mapValues(\.count)
        #expect(last.values.allSatisfy { $0 == 125 }, "past 8 x 128 joiners spread evenly: \(last)")
        #expect((0..<10).map { LiveHub.group(joined: $0, groups: 2, size: 1) } == [0, 1, 0, 1, 0, 1, 0, 1, 0, 1], "size 1: round robin")
    }
}
