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
            for _ in 0..<3 { reader.expectResponse(toRequest: Array("GET / HTTP/1.1\r\n\r\n".utf8)) }
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

    @Test("the answer to a HEAD has no body whatever its Content-Length; bytes that are not a response fail")
    func headAndMalformed() throws {
        var reader = ResponseReader()
        reader.expectResponse(toRequest: Array("HEAD /v1/healthz HTTP/1.1\r\n\r\n".utf8))
        reader.expectResponse(toRequest: Array("GET /v1/healthz HTTP/1.1\r\n\r\n".utf8))
        reader.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8))
        #expect(try reader.next()?.body == [])
        #expect(try reader.next()?.body == Array("ok".utf8))
        #expect(try reader.next() == nil)
        var garbage = ResponseReader()
        garbage.expectResponse(toRequest: Array("GET / HTTP/1.1\r\n\r\n".utf8))
        garbage.append(Array("SSH-2.0-OpenSSH\r\n\r\n".utf8))
        #expect(throws: ResponseReader.Failure.self) { try garbage.next() }
    }

    @Test("the flash-sale check passes one winner per seat agreed by the database, and fails anything else")
    func flashSaleCheck() {
        let seats: Set = ["A1", "A2"]
        let winner = FlashSaleCheck.ClientOutcome(holdStatus: 201, bookingID: "bkg_1_1", seats: ["A1", "A2"])
        let loser = FlashSaleCheck.ClientOutcome(holdStatus: 409, holdErrorCode: "seats_unavailable", bookingID: nil, seats: [])
        let good = FlashSaleCheck.verdict([winner, loser, loser], database: ["bkg_1_1": ["A1", "A2"]], seatsOnSale: seats)
        #expect(good.passed)
        let twice = FlashSaleCheck.verdict([winner, .init(holdStatus: 201, bookingID: "bkg_1_2", seats: ["A2"])],
                                           database: ["bkg_1_1": ["A1", "A2"], "bkg_1_2": ["A2"]], seatsOnSale: seats)
        #expect(!twice.oneWinnerPerSeat && !twice.databaseAgrees)
        let unclean = FlashSaleCheck.verdict([winner, .init(holdStatus: 500, holdErrorCode: "internal_error", bookingID: nil, seats: [])],
                                             database: ["bkg_1_1": ["A1", "A2"]], seatsOnSale: seats)
        #expect(!unclean.losersGotCleanConflicts)
        let lost = FlashSaleCheck.verdict([winner, loser], database: [:], seatsOnSale: seats)
        #expect(!lost.databaseAgrees, "an acknowledged booking missing from the database fails")
    }

    @Test("a flash sale nobody won fails: every seat on sale must be sold exactly once")
    func flashSaleAllLose() {
        let seats: Set = ["A1", "A2"]
        let loser = FlashSaleCheck.ClientOutcome(holdStatus: 409, holdErrorCode: "seats_unavailable", bookingID: nil, seats: [])
        let nobody = FlashSaleCheck.verdict([loser, loser, loser], database: [:], seatsOnSale: seats)
        #expect(!nobody.oneWinnerPerSeat && !nobody.passed)
        let half = FlashSaleCheck.verdict([.init(holdStatus: 201, bookingID: "bkg_1_1", seats: ["A1"]), loser],
                                          database: ["bkg_1_1": ["A1"]], seatsOnSale: seats)
        #expect(!half.oneWinnerPerSeat, "a seat on sale left unsold fails")
    }

    @Test("a flash-sale loser refused for any reason but the seats being taken fails")
    func flashSaleWrongRefusal() {
        let seats: Set = ["A1"]
        let winner = FlashSaleCheck.ClientOutcome(holdStatus: 201, bookingID: "bkg_1_1", seats: ["A1"])
        let database = ["bkg_1_1": ["A1"]]
        for wrong in [FlashSaleCheck.ClientOutcome(holdStatus: 409, holdErrorCode: "showtime_started", bookingID: nil, seats: []),
                      .init(holdStatus: 409, holdErrorCode: nil, bookingID: nil, seats: []),
                      .init(holdStatus: 422, holdErrorCode: "seats_unavailable", bookingID: nil, seats: []),
                      .init(holdStatus: 201, bookingID: nil, seats: [])] {
            let verdict = FlashSaleCheck.verdict([winner, wrong], database: database, seatsOnSale: seats)
            #expect(!verdict.losersGotCleanConflicts && !verdict.passed, "\(wrong.holdStatus) \(wrong.holdErrorCode ?? "-")")
        }
    }

    /// A recorder that saw `answers` 2xx answers and the given refusals.
    func recorder(ok answers: Int, _ refusals: [(Int, String)] = [], transportErrors: Int = 0) -> Recorder {
        var recorder = Recorder()
        for _ in 0..<answers { recorder.tally(status: 200, body: Array(#"{"id":"hld_1"}"#.utf8)) }
        for (status, code) in refusals {
            recorder.tally(status: status, body: Array(#"{"error":{"code":"\#(code)","message":"no"}}"#.utf8))
        }
        recorder.transportErrors = transportErrors
        return recorder
    }

    @Test("an error budget of none fails on any non-2xx answer, transport error, or a run with no answers, and names the counts")
    func errorBudgetNone() {
        #expect(ErrorBudget.none.violations(of: recorder(ok: 100)).isEmpty)
        let failing = ErrorBudget.none.violations(of: recorder(ok: 0, Array(repeating: (500, "internal_error"), count: 7)))
        #expect(failing == ["7 of 7 answers were 500 internal_error, which this scenario never expects"])
        #expect(ErrorBudget.none.violations(of: recorder(ok: 99, [(404, "not_found")])).count == 1)
        #expect(ErrorBudget.none.violations(of: recorder(ok: 10, transportErrors: 2))
                == ["2 transport errors (connections refused or lost mid-request, unreadable answers)"])
        #expect(ErrorBudget.none.violations(of: Recorder()) == ["no answers at all"])
        var nginxPage = Recorder()
        nginxPage.tally(status: 502, body: Array("<html>Bad Gateway</html>".utf8))
        #expect(ErrorBudget.none.violations(of: nginxPage) == ["1 of 1 answers were 502 (no code), which this scenario never expects"])
    }

    @Test("seat conflicts are allowed up to their share; more of them, or a 409 for another reason, fail")
    func errorBudgetConflicts() {
        let budget = ErrorBudget.seatConflicts(upTo: 0.01)
        #expect(budget.violations(of: recorder(ok: 990, Array(repeating: (409, "seats_unavailable"), count: 10))).isEmpty)
        #expect(budget.violations(of: recorder(ok: 989, Array(repeating: (409, "seats_unavailable"), count: 11)))
                == ["11 of 1000 answers were 409 seats_unavailable, over its budget of 10 (1.0%)"])
        #expect(budget.violations(of: recorder(ok: 999, [(409, "showtime_started")])).count == 1)
        // Every hold refused: a server that answers every hold with a conflict fails.
        #expect(!budget.violations(of: recorder(ok: 0, Array(repeating: (409, "seats_unavailable"), count: 50))).isEmpty)
    }

    @Test("fan-out gaps that forced a resync fail unless the budget expects them")
    func errorBudgetGaps() {
        #expect(ErrorBudget.none.violations(of: recorder(ok: 10), gaps: 1) == ["1 fan-out gaps forced a resync (0 expected)"])
        #expect(ErrorBudget(allowedGaps: 2).violations(of: recorder(ok: 10), gaps: 2).isEmpty)
    }

    @Test("the random-seat conflict budget grows with holders and skew, and is at least 1%")
    func randomSeatConflictBudget() {
        let uniform = ErrorBudget.randomSeatConflicts(holders: 64, showtimeChances: Array(repeating: 0.001, count: 1_000), seatsPerShowtime: 1_000)
        #expect(uniform.allowed == [.seatsUnavailable: 0.01])
        // One watched showtime, 32 writers: 32 / 1,000 seats, three times over.
        let one = ErrorBudget.randomSeatConflicts(holders: 32, showtimeChances: [1], seatsPerShowtime: 1_000)
        #expect(abs(one.allowed[.seatsUnavailable]! - 0.096) < 1e-9)
    }

    @Test("refusals are tallied by status and error code over the whole run, merged across loops, and reported")
    func refusals() {
        #expect(Refusal.errorCode(in: Array(#"{"error":{"code":"seats_unavailable","message":"taken"}}"#.utf8)) == "seats_unavailable")
        #expect(Refusal.errorCode(in: Array("<html>404</html>".utf8)) == nil)
        #expect(Refusal.errorCode(in: []) == nil)
        var a = recorder(ok: 3, [(409, "seats_unavailable")])
        let b = recorder(ok: 1, [(409, "seats_unavailable"), (409, "showtime_started")])
        a.merge(b)
        #expect(a.answered == 7)
        #expect(a.refusals == [.seatsUnavailable: 2, Refusal(status: 409, code: "showtime_started"): 1])
        #expect(a.completed == 0, "tallies are not measured answers")
        let figures = BenchResult.Figures(a, seconds: 1)
        #expect(figures.refusals == ["409 seats_unavailable": 2, "409 showtime_started": 1])
        var result = BenchResult(scenario: "s", commit: "c", machine: [:], params: [:], ours: figures)
        result.judge(a, by: .none)
        #expect(result.checks["errors_within_budget"] == false)
        #expect(result.notes(of: "errors_within_budget").count == 2)
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
