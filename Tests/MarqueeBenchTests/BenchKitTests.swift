import MarqueeBenchKit
import Testing

@Suite("Load generator logic")
struct BenchKitTests {
    @Test("recorders merge: counts, statuses, per-second series and percentiles")
    func merge() {
        var a = Recorder()
        var b = Recorder()
        for micros in 1...1_000 { a.record(status: 200, micros: UInt64(micros), second: 0) }
        for micros in 1_001...2_000 { b.record(status: micros % 2 == 0 ? 200 : 409, micros: UInt64(micros), second: 2) }
        b.transportErrors = 3
        a.merge(b)
        #expect(a.completed == 2_000)
        #expect(a.statuses[200] == 1_500 && a.statuses[409] == 500)
        #expect(a.errors == 503)
        #expect(a.perSecond == [1_000, 0, 1_000])
        #expect(abs(a.milliseconds(atPercentile: 50) - 1.0) < 0.01)
        #expect(abs(a.milliseconds(atPercentile: 99) - 1.98) < 0.01)
        #expect(a.latency.max >= 2_000 && a.latency.max < 2_010)
    }

    @Test("open loop: requests are due on a fixed schedule and latency counts from the intended send time")
    func openLoop() {
        let schedule = OpenLoopSchedule(startNanos: 1_000_000_000, ratePerSecond: 1_000)
        #expect(schedule.intervalNanos == 1_000_000)
        #expect(schedule.dueCount(at: 999_999_999) == 0)
        #expect(schedule.dueCount(at: 1_000_000_000) == 1)
        #expect(schedule.dueCount(at: 1_010_000_000) == 11)
        // Request 5 was due at +5 ms; answered at +30 ms it waited 25 ms, even if sent late.
        #expect(schedule.latencyMicros(of: 5, answeredAt: 1_030_000_000) == 25_000)
    }

    @Test("responses are read whole across any split, with content length or chunks, and keep-alive noted")
    func responses() throws {
        let text = "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX: y\r\n\r\nhello"
            + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
            + "HTTP/1.1 409 Conflict\r\nConnection: close\r\ncontent-length: 0\r\n\r\n"
        let bytes = Array(text.utf8)
        for split in 0...bytes.count {
            var reader = ResponseReader()
            var got: [ResponseReader.Response] = []
            reader.append(Array(bytes[..<split]))
            while let response = try reader.next() { got.append(response) }
            reader.append(Array(bytes[split...]))
            while let response = try reader.next() { got.append(response) }
            #expect(got.map(\.status) == [201, 200, 409], "split at \(split)")
            #expect(got.map { String(decoding: $0.body, as: UTF8.self) } == ["hello", "abcde", ""])
            #expect(got.map(\.keepAlive) == [true, true, false])
        }
    }

    @Test("the flash-sale check passes one winner per seat agreed by the database, and fails anything else")
    func flashSaleCheck() {
        let seats: Set = ["A1", "A2"]
        let winner = FlashSaleCheck.ClientOutcome(holdStatus: 201, bookingID: "bkg_1_1", seats: ["A1", "A2"])
        let loser = FlashSaleCheck.ClientOutcome(holdStatus: 409, bookingID: nil, seats: [])
        let good = FlashSaleCheck.verdict([winner, loser, loser], database: ["bkg_1_1": ["A1", "A2"]], seatsOnSale: seats)
        #expect(good.passed)
        let twice = FlashSaleCheck.verdict([winner, .init(holdStatus: 201, bookingID: "bkg_1_2", seats: ["A2"])],
                                           database: ["bkg_1_1": ["A1", "A2"], "bkg_1_2": ["A2"]], seatsOnSale: seats)
        #expect(!twice.oneWinnerPerSeat && !twice.databaseAgrees)
        let unclean = FlashSaleCheck.verdict([winner, .init(holdStatus: 500, bookingID: nil, seats: [])],
                                             database: ["bkg_1_1": ["A1", "A2"]], seatsOnSale: seats)
        #expect(!unclean.losersGotCleanConflicts)
        let lost = FlashSaleCheck.verdict([winner, loser], database: [:], seatsOnSale: seats)
        #expect(!lost.databaseAgrees, "an acknowledged booking missing from the database fails")
    }

    @Test("a delta's oldest_change_at stamp reads as Unix milliseconds; other shapes are refused")
    func stamps() {
        #expect(FanoutWatchers.unixMilliseconds("1970-01-01T00:00:00.000Z") == 0)
        #expect(FanoutWatchers.unixMilliseconds("2000-02-29T12:34:56.789Z") == 951_827_696_789)
        #expect(FanoutWatchers.unixMilliseconds("2026-11-26T09:41:50.123Z") == 1_795_686_110_123)
        #expect(FanoutWatchers.unixMilliseconds("2026-11-26T09:41:50Z") == nil)
        #expect(FanoutWatchers.unixMilliseconds("2026-13-26T09:41:50.123Z") == nil)
        #expect(FanoutWatchers.unixMilliseconds("2026-11-26 09:41:50.123Z") == nil)
    }
}
