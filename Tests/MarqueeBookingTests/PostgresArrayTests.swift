@testable import MarqueeBooking
import Testing

/// The batch writer's array literals; every checkout and hold test then
/// sends them through real PostgreSQL.
@Suite("PostgreSQL array literals")
struct PostgresArrayTests {
    @Test("integers, including negatives, zero and the extremes")
    func integers() {
        #expect(PostgresArray.literal([Int]()) == "{}")
        #expect(PostgresArray.literal([0]) == "{0}")
        #expect(PostgresArray.literal([7, -12, 1_000_000]) == "{7,-12,1000000}")
        #expect(PostgresArray.literal([Int64.max, Int64.min]) == "{9223372036854775807,-9223372036854775808}")
        #expect(PostgresArray.literal([UInt32.max]) == "{4294967295}")
    }

    @Test("text elements are quoted; quotes and backslashes escaped; nil is NULL")
    func text() {
        #expect(PostgresArray.literal(strings: []) == "{}")
        #expect(PostgresArray.literal(strings: ["F7", ""]) == #"{"F7",""}"#)
        #expect(PostgresArray.literal([nil, "a,b{c}", #"say "hi""#, #"back\slash"#, "é🎬"]) ==
                #"{NULL,"a,b{c}","say \"hi\"","back\\slash","é🎬"}"#)
    }

    @Test("lists of seat indices become text elements holding integer arrays")
    func integerLists() {
        #expect(PostgresArray.literal(integerLists: []) == "{}")
        #expect(PostgresArray.literal(integerLists: [[1, 2], [], [300]]) == #"{"{1,2}","{}","{300}"}"#)
    }
}
