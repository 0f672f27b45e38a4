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
    /// Segment indices, rows closest to the ideal row first (then seat-map
    /// order): once the best list is full of blocks that strand no seat, no
    /// farther row can beat them, and the search stops there.
    private let nearestRowsFirst: [Int]
    private let idealRow: Double
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
        let idealRow = Double(seats.map(\.row).max() ?? 0) * 0.6
        self.idealRow = idealRow
        nearestRowsFirst = segments.indices.sorted { a, b in
            let (distanceA, distanceB) = (abs(Double(segments[a][0].row) - idealRow), abs(Double(segments[b][0].row) - idealRow))
            return distanceA != distanceB ? distanceA < distanceB : a < b
        }
        let columns = seats.map(\.column)
        centreColumn = Double((columns.min() ?? 1) + (columns.max() ?? 1)) / 2
    }

    /// Up to `limit` blocks of `count` adjacent free seats of `category`
    /// (any category when nil), best first; each block lists seat indices.
    public func candidates(count: Int, category: String?, limit: Int = 8, isFree: (Int) -> Bool) -> [[Int]] {
        guard count > 0, limit > 0 else { return [] }
        // The best `limit` blocks so far, best first: (score, segment, first seat in it).
        // No allocation per candidate: a house of a thousand seats has about
        // as many candidate blocks, and this runs for every best-available hold.
        var best: [(strands: Int, row: Double, centre: Double, segment: Int, first: Int)] = []
        best.reserveCapacity(limit + 1)
        func better(_ a: (strands: Int, row: Double, centre: Double, segment: Int, first: Int),
                    _ b: (strands: Int, row: Double, centre: Double, segment: Int, first: Int)) -> Bool {
            if a.strands != b.strands { return a.strands < b.strands }
            if a.row != b.row { return a.row < b.row }
            if a.centre != b.centre { return a.centre < b.centre }
            return segments[a.segment][a.first].index < segments[b.segment][b.first].index
        }
        for segmentIndex in nearestRowsFirst {
            let segment = segments[segmentIndex]
            let rowDistance = abs(Double(segment[0].row) - idealRow)
            // Every later segment is at least this far: none can beat a full
            // list whose worst block strands no seat and sits in a nearer row.
            if best.count == limit, let worst = best.last, worst.strands == 0, rowDistance > worst.row { break }
            guard segment.count >= count else { continue }
            var start = 0
            while start < segment.count {
                guard isFree(segment[start].index) else {
                    start += 1
                    continue
                }
                var end = start
                while end + 1 < segment.count && isFree(segment[end + 1].index) { end += 1 }
                if end - start + 1 >= count {
                    for first in start...(end - count + 1) {
                        if let category, segment[first..<(first + count)].contains(where: { $0.category != category }) { continue }
                        let left = first - start
                        let right = end - (first + count - 1)
                        let middle = Double(segment[first].column + segment[first + count - 1].column) / 2
                        let candidate = (strands: (left == 1 ? 1 : 0) + (right == 1 ? 1 : 0), row: rowDistance,
                                         centre: abs(middle - centreColumn), segment: segmentIndex, first: first)
                        if best.count == limit, let worst = best.last, !better(candidate, worst) { continue }
                        let position = best.firstIndex { better(candidate, $0) } ?? best.count
                        best.insert(candidate, at: position)
                        if best.count > limit { best.removeLast() }
                    }
                }
                start = end + 1
            }
        }
        return best.map { entry in segments[entry.segment][entry.first..<(entry.first + count)].map(\.index) }
    }
}
