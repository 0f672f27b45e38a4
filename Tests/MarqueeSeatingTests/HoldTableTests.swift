@testable import MarqueeSeating
import Testing

@Suite("Hold table: records by number, each user's holds by index")
struct HoldTableTests {
    private func record(_ number: UInt32, user: Int64, expiry: UInt32 = 100) -> HoldRecord {
        HoldRecord(number: number, userID: user, seats: [Int(number)], expiry: expiry, createdUnix: 0, attempts: 0)
    }

    @Test("a user's live holds are theirs only, unexpired, oldest first, through additions, changes and removals")
    func liveHoldsFollowEveryChange() {
        var table = HoldTable()
        #expect(table.live(of: 1, now: 50).isEmpty)
        table[7] = record(7, user: 1)
        table[3] = record(3, user: 1)
        table[5] = record(5, user: 2)
        table[9] = record(9, user: 1, expiry: 40)
        #expect(table.live(of: 1, now: 50).map(\.number) == [3, 7])
        #expect(table.live(of: 2, now: 50).map(\.number) == [5])
        #expect(table.count == 4)

        // A change to a record (checkout starting) keeps it where it was.
        table[7]?.paying = true
        #expect(table.live(of: 1, now: 50).map(\.paying) == [false, true])

        table[3] = nil
        #expect(table.live(of: 1, now: 50).map(\.number) == [7])
        table[7] = nil
        table[9] = nil
        #expect(table.live(of: 1, now: 0).isEmpty)
        #expect(table.live(of: 2, now: 50).map(\.number) == [5])
        #expect(table.count == 1)

        // Removing what is not there changes nothing.
        table[42] = nil
        #expect(table.count == 1 && table.live(of: 2, now: 50).count == 1)
    }

    @Test("random changes against a plain scan of the records")
    func agreesWithAScan() {
        var table = HoldTable()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let number = UInt32.random(in: 1...60, using: &generator)
            if Bool.random(using: &generator) {
                // A number keeps its user, as hold numbers do.
                table[number] = record(number, user: Int64(number % 5), expiry: UInt32.random(in: 0...20, using: &generator))
            } else {
                table[number] = nil
            }
            let user = Int64.random(in: 0..<5, using: &generator)
            let now = UInt32.random(in: 0...20, using: &generator)
            let scanned = table.values.filter { $0.userID == user && $0.expiry > now }.map(\.number).sorted()
            #expect(table.live(of: user, now: now).map(\.number) == scanned)
        }
    }
}
