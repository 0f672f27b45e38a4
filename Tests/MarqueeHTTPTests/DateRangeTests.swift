@testable import MarqueeHTTP
import Testing

@Suite("Dates and ranges")
struct DateRangeTests {
    @Test("ISO 8601 dates and zoned date-times parse to Unix seconds", arguments: [
        ("1970-01-01", Int64(0)),
        ("2026-11-25", Int64(1_795_564_800)),
        ("2024-02-29", Int64(1_709_164_800)),
        ("2026-11-25T18:30:00Z", Int64(1_795_631_400)),
        ("2026-11-25T18:30Z", Int64(1_795_631_400)),
        ("2026-11-25T19:30:00+01:00", Int64(1_795_631_400)),
        ("2026-11-25T13:30:00.123456-05:00", Int64(1_795_631_400)),
        ("1895-12-28", Int64(-2_335_564_800)),
    ])
    func parses(_ text: String, _ expected: Int64) {
        #expect(ISO8601.parse(text) == expected)
    }

    @Test("malformed, unreal or zoneless dates are refused", arguments: [
        "", "2026", "2026-11", "2026-13-01", "2026-02-29", "2026-04-31", "2026-11-25T18:30:00", "2026-11-25 18:30:00Z",
        "2026-11-25T24:00:00Z", "2026-11-25T18:60:00Z", "2026-11-25T18:30:00+1", "2026-11-25T18:30:00.Z", "0000-00-00",
        "1799-12-31", "26-11-25", "2026-11-25T18:30:00Zjunk", "２０２６-11-25",
    ])
    func refuses(_ text: String) {
        #expect(ISO8601.parse(text) == nil)
    }

    @Test("a bare date as the upper bound includes that whole day")
    func endOfDay() {
        #expect(ISO8601.parse("2026-11-25", endOfDay: true) == Int64(1_795_651_200))
    }

    @Test("range rules: order, maximum span, one side open")
    func ranges() throws {
        #expect(throws: APIError.self) { try DateRange.parse(from: "2026-12-02", to: "2026-12-01") }
        do {
            _ = try DateRange.parse(from: "2026-01-01", to: "2027-06-01", maxDays: 366)
            Issue.record("expected date_range_too_large")
        } catch {
            #expect(error.code == "date_range_too_large")
        }
        #expect(try DateRange.parse(from: "2026-12-01", to: nil) == DateRange(from: 1_796_083_200, to: nil))
        #expect(try DateRange.parse(from: "2026-12-01", to: "2026-12-01") == DateRange(from: 1_796_083_200, to: 1_796_169_600))
    }

    @Test("formatting round-trips")
    func format() {
        for seconds: Int64 in [0, 1_795_631_400, -2_335_564_800, 253_402_300_799] {
            #expect(ISO8601.parse(ISO8601.format(seconds)) == seconds)
        }
    }
}

@Suite("Query parameters")
struct QueryParametersTests {
    @Test("decodes plus and percent escapes; refuses bad escapes")
    func decoding() throws {
        let query = try #require(QueryParameters("q=the+big%20l%C3%A9bowski&limit=5"))
        #expect(query["q"] == "the big lébowski")
        #expect(query["limit"] == "5")
        #expect(QueryParameters("q=%zz") == nil)
    }

    @Test("unknown and repeated names are 400s naming them")
    func validation() {
        let query = QueryParameters("q=a&colour=red")!
        do {
            try query.validate(allowed: ["q"])
            Issue.record("expected unknown_parameter")
        } catch {
            #expect(error.code == "unknown_parameter")
        }
        do {
            try QueryParameters("q=a&q=b")!.validate(allowed: ["q"])
            Issue.record("expected duplicate_parameter")
        } catch {
            #expect(error.code == "duplicate_parameter")
        }
    }

    @Test("limit defaults to 20 and is clamped to 1...100")
    func limit() throws {
        #expect(try QueryParameters(nil)!.limit() == 20)
        #expect(try QueryParameters("limit=0")!.limit() == 1)
        #expect(try QueryParameters("limit=500")!.limit() == 100)
        #expect(throws: APIError.self) { try QueryParameters("limit=ten")!.limit() }
    }
}
