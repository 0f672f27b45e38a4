/// Best-available seat selection, pure: given the auditorium's rows and a
/// snapshot of which seats are free, proposes blocks of adjacent seats in
/// one row, best first. The caller holds a proposal atomically and, if a
/// racing buyer took a seat meanwhile, asks again with a fresh snapshot.
///
/// Best means, in order: leaves no single free seat stranded between the
/// block and a taken seat, aisle or wall (when some block avoids that);
/// a row close to the ideal row (about 60% of the way back); a block close
/// to the row's centre.
public struct SeatPicker: Sendable {
    public struct Seat: Sendable {
        public let index: Int
        public let row: Int
        public let column: Int
        public let category: String
        public let aisleAfter: Bool

        public init(index: Int, row: Int, column: Int, category: String, aisleAfter: Bool) {
            self.index = index
            self.row = row
            self.column = column
            self.category = category
            self.aisleAfter = aisleAfter
        }
    }

    /// Runs of physically adjacent seats: split at aisles and at removed seats.
    private let segments: [[Seat]]
    private let rowCount: Int
    private let centreColumn: Double

    /// `seats` in seat-map order (row by row, column by column).
    public init(seats: [Seat]) {
        var segments: [[Seat]] = []
        var current: [Seat] = []
        for seat in seats {
            if let last = current.last, last.row != seat.row || last.column + 1 != seat.column || last.aisleAfter {
                segments.append(current)
                current = []
            }
            current.append(seat)
        }
        if !current.isEmpty { segments.append(current) }
        self.segments = segments
        rowCount = (seats.map(\.row).max() ?? 0) + 1
        let columns = seats.map(\.column)
        centreColumn = Double((columns.min() ?? 1) + (columns.max() ?? 1)) / 2
    }

    /// Up to `limit` blocks of `count` adjacent free seats of `category`
    /// (any category when nil), best first; each block lists seat indices.
    public func candidates(count: Int, category: String?, limit: Int = 8, isFree: (Int) -> Bool) -> [[Int]] {
        guard count > 0 else { return [] }
        let idealRow = Double(rowCount - 1) * 0.6
        var scored: [(strands: Int, row: Double, centre: Double, seats: [Int])] = []
        for segment in segments where segment.count >= count {
            // Free runs within the segment; a block must fit inside one.
            var start = 0
            while start < segment.count {
                guard isFree(segment[start].index) else {
                    start += 1
                    continue
                }
                var end = start
                while end + 1 < segment.count && isFree(segment[end + 1].index) { end += 1 }
                let runLength = end - start + 1
                if runLength >= count {
                    for first in start...(end - count + 1) {
                        let block = segment[first..<(first + count)]
                        if let category, block.contains(where: { $0.category != category }) { continue }
                        let left = first - start
                        let right = end - (first + count - 1)
                        let strands = (left == 1 ? 1 : 0) + (right == 1 ? 1 : 0)
                        let middle = Double(block.first!.column + block.last!.column) / 2
                        scored.append((strands, abs(Double(block.first!.row) - idealRow),
                                       abs(middle - centreColumn), block.map(\.index)))
                    }
                }
                start = end + 1
            }
        }
        scored.sort { a, b in
            if a.strands != b.strands { return a.strands < b.strands }
            if a.row != b.row { return a.row < b.row }
            if a.centre != b.centre { return a.centre < b.centre }
            return a.seats[0] < b.seats[0]
        }
        return scored.prefix(limit).map(\.seats)
    }
}
