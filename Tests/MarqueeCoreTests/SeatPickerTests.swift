import MarqueeCore
import PropertyBased
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

extension SeatPickerTests {
    /// Every block the rules allow, ranked by the documented order, without pruning.
    func bruteForce(_ seats: [SeatPicker.Seat], count: Int, category: String?, limit: Int, isFree: (Int) -> Bool) -> [[Int]] {
        let idealRow = Double(seats.map(\.row).max() ?? 0) * 0.6
        let columns = seats.map(\.column)
        let centre = Double(columns.min()! + columns.max()!) / 2
        var runs: [[SeatPicker.Seat]] = []  // free runs of physically adjacent seats
        var run: [SeatPicker.Seat] = []
        for (position, seat) in seats.enumerated() {
            if let last = run.last, last.row != seat.row || last.column + 1 != seat.column || last.aisleAfter { runs.append(run); run = [] }
            if isFree(seat.index) {
                run.append(seat)
            } else if !run.isEmpty {
                runs.append(run)
                run = []
            }
            if position == seats.count - 1, !run.isEmpty { runs.append(run) }
        }
        var blocks: [(key: (Int, Double, Double, Int), seats: [Int])] = []
        for run in runs where run.count >= count {
            for first in 0...(run.count - count) {
                let block = Array(run[first..<(first + count)])
                if let category, block.contains(where: { $0.category != category }) { continue }
                let left = first, right = run.count - first - count
                let strands = (left == 1 ? 1 : 0) + (right == 1 ? 1 : 0)
                let middle = Double(block.first!.column + block.last!.column) / 2
                blocks.append(((strands, abs(Double(block[0].row) - idealRow), abs(middle - centre), block[0].index), block.map(\.index)))
            }
        }
        blocks.sort { $0.key < $1.key }
        return blocks.prefix(limit).map(\.seats)
    }

    @Test("the search's shortcuts never change the answer: random houses against a full ranking")
    func matchesFullRanking() async {
        // Six numbers shape the house and the request; the rest decide, seat by seat, whether it is taken.
        await propertyCheck(count: 300, input: Gen.int(in: 0...999).array(of: 306...306)) { rolls in
            let rows = rolls[0] % 14 + 1, columns = rolls[1] % 20 + 2
            let aisle = rolls[2] % 2 == 0 ? rolls[2] % columns + 1 : nil
            let seats = layout(rows: rows, columns: columns, aisle: aisle, premiumRow: rolls[3] % rows)
            let fullness = rolls[4] % 100
            let taken = Set(seats.indices.filter { rolls[6 + $0] % 100 < fullness })
            let count = rolls[5] % 5 + 1
            let category: String? = rolls[5] % 4 == 0 ? "premium" : nil
            let limit = rolls[4] % 8 + 1
            let free: (Int) -> Bool = { !taken.contains($0) }
            #expect(SeatPicker(seats: seats).candidates(count: count, category: category, limit: limit, isFree: free)
                    == bruteForce(seats, count: count, category: category, limit: limit, isFree: free))
        }
    }
}
