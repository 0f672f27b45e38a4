@testable import MarqueeLive
import Testing

@Suite("Live deltas merged for a group")
struct LiveMergeTests {
    @Test("consecutive batches become one: their seq range, each seat once in first-seen order with its latest state, the oldest stamp")
    func merge() {
        let batches = [
            LiveFeed.Batch(showtime: 7, fromSeq: 10, toSeq: 11, oldestChangeMillis: 1_000, changes: [("A1", "held"), ("A2", "held")]),
            LiveFeed.Batch(showtime: 7, fromSeq: 12, toSeq: 12, oldestChangeMillis: 1_009, changes: [("B1", "held")]),
            LiveFeed.Batch(showtime: 7, fromSeq: 13, toSeq: 15, oldestChangeMillis: 1_020, changes: [("A1", "free"), ("C3", "booked")]),
        ]
        let merged = LiveHub.merged(batches)
        #expect(merged.showtime == 7 && merged.fromSeq == 10 && merged.toSeq == 15 && merged.oldestChangeMillis == 1_000)
        #expect(merged.changes.map { "\($0.label)=\($0.state)" } == ["A1=free", "A2=held", "B1=held", "C3=booked"])
        let single = LiveHub.merged([batches[1]])
        #expect(single.fromSeq == 12 && single.toSeq == 12 && single.changes.map(\.label) == ["B1"])
    }
}
