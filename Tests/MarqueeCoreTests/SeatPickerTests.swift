import MarqueeCore
import Testing

@Suite("Best available")
struct SeatPickerTests {
    /// `rows` rows of `columns` seats, an aisle after `aisle` when given.
    func layout(rows: Int, columns: Int, aisle: Int? = nil, premiumRow: Int? = nil) -> [SeatPicker.Seat] {
        var seats: [SeatPicker.Seat] = []
        for row in 0..<rows {
            for column in 1...columns {
                seats.append(.init(index: seats.count, row: row, column: column,
                                   category: row == premiumRow ? "premium" : "standard", aisleAfter: column == aisle))
            }
        }
        return seats
    }

    @Test("an empty house gets the centre of the row about 60% back")
    func centreOfIdealRow() {
        let picker = SeatPicker(seats: layout(rows: 11, columns: 10))
        let best = picker.candidates(count: 2, category: nil) { _ in true }.first
        #expect(best == [6 * 10 + 4, 6 * 10 + 5])  // row 6 (0.6 * 10), columns 5 and 6
    }

    @Test("a block never leaves one free seat stranded when another choice exists")
    func noStrandedSeat() {
        // One row of 6; seat 0 taken. Free run 1...5 (5 seats); asking 3: taking 2...4
        // would strand 1 and 5; taking 1...3 strands none on the left and leaves 4,5.
        let picker = SeatPicker(seats: layout(rows: 1, columns: 6))
        let best = picker.candidates(count: 3, category: nil) { $0 != 0 }.first
        #expect(best == [3, 4, 5] || best == [1, 2, 3])
        for candidate in picker.candidates(count: 3, category: nil, limit: 1, isFree: { $0 != 0 }) {
            let left = candidate.first! - 1, right = 5 - candidate.last!
            #expect(left != 1 && right != 1)
        }
    }

    @Test("blocks do not cross an aisle, and keep to the asked category")
    func aislesAndCategories() {
        let picker = SeatPicker(seats: layout(rows: 3, columns: 8, aisle: 4, premiumRow: 0))
        let all = picker.candidates(count: 4, category: nil, limit: 100) { _ in true }
        #expect(!all.isEmpty)
        for block in all { #expect(block.allSatisfy { $0 % 8 < 4 } || block.allSatisfy { $0 % 8 >= 4 }) }
        let premium = picker.candidates(count: 2, category: "premium", limit: 100) { _ in true }
        #expect(!premium.isEmpty && premium.allSatisfy { $0.allSatisfy { $0 < 8 } })
        #expect(picker.candidates(count: 5, category: nil) { _ in true }.isEmpty, "no run of 5 between aisles")
    }

    @Test("nothing is proposed when no run is long enough")
    func soldOut() {
        let picker = SeatPicker(seats: layout(rows: 2, columns: 4))
        #expect(picker.candidates(count: 2, category: nil) { $0 % 2 == 0 }.isEmpty)
    }
}
