@testable import MarqueeBooking
import Testing

@Suite("Write-behind hold rows")
struct HoldRowQueueTests {
    func row(_ status: String, first: Bool = false, expires: Int64 = 100) -> BatchWriter.HoldRow {
        .init(showtime: 1, number: 7, user: 3, seats: [4], expiresUnix: expires, status: .init(rawValue: status)!, unwritten: first)
    }

    @Test("a hold that ends before its first row is sent leaves nothing to write")
    func endsUnwritten() {
        for ending in ["released", "expired", "replaced", "booked"] {
            var queued: [BatchWriter.Key: BatchWriter.HoldRow] = [:]
            #expect(BatchWriter.queue(row("live", first: true), in: &queued, now: 1))
            #expect(BatchWriter.queue(row("live", expires: 200), in: &queued, now: 1), "an extension keeps it unwritten")
            #expect(queued.first?.value.unwritten == true)
            #expect(!BatchWriter.queue(row(ending), in: &queued, now: 1))
            #expect(queued.isEmpty, "\(ending)")
        }
    }

    @Test("once a row was sent, the ending is written, a booking's too")
    func endsWritten() {
        for ending in ["released", "booked"] {
            var queued: [BatchWriter.Key: BatchWriter.HoldRow] = [:]
            #expect(BatchWriter.queue(row(ending), in: &queued, now: 1), "the live row went out in an earlier batch")
            #expect(queued.first?.value.status.rawValue == ending)
        }
    }
}
