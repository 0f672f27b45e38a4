import Foundation
import MarqueeHTTP
import MarqueeServer

/// An auditorium's seating, validated before it is stored:
/// `{"rows": R, "columns": C, "row_labels": [...], "aisles_after": [...],
///   "removed": ["A1", ...], "categories": {"F7": "premium"}, "prices": {"standard": 1200}}`.
/// Seats are labelled row label + column number (F7); aisles are gaps after
/// a column that take no number; removed seats do not exist; seats not in
/// `categories` are `standard`; prices are in cents, one per category used.
public struct SeatLayout: Sendable {
    static let maxRows = 50
    static let maxColumns = 60

    let rows: Int
    let columns: Int
    public let rowLabels: [String]
    let aislesAfter: [Int]
    let removed: Set<String>
    let categories: [String: String]
    public let prices: [String: Int]

    var seatCount: Int { rows * columns - removed.count }

    static func defaultRowLabels(_ count: Int) -> [String] {
        let letters = (UInt8(ascii: "A")...UInt8(ascii: "Z")).map { String(UnicodeScalar($0)) }
        return (0..<count).map { $0 < 26 ? letters[$0] : letters[$0 / 26 - 1] + letters[$0 % 26] }
    }

    /// Validates a decoded layout object; every problem is a 400 naming the field.
    static func parse(_ value: Any?) throws(APIError) -> SeatLayout {
        guard let object = value as? [String: Any] else { throw JSONBody.invalid("layout", "must be an object") }
        let allowed: Set<String> = ["rows", "columns", "row_labels", "aisles_after", "removed", "categories", "prices"]
        for key in object.keys where !allowed.contains(key) { throw JSONBody.invalid("layout.\(key)", "is not a layout field") }
        func int(_ key: String, _ range: ClosedRange<Int>) throws(APIError) -> Int {
            guard let number = object[key] as? NSNumber, let exact = JSONBody.exactInteger(number),
                  case let value = Int(exact), range.contains(value) else {
                throw JSONBody.invalid("layout.\(key)", "must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        let rows = try int("rows", 1...maxRows)
        let columns = try int("columns", 1...maxColumns)

        var labels = defaultRowLabels(rows)
        if let given = object["row_labels"] {
            guard let array = given as? [String], array.count == rows,
                  array.allSatisfy({ (1...3).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) } })
            else { throw JSONBody.invalid("layout.row_labels", "must give one label of 1 to 3 capital letters or digits per row") }
            guard Set(array).count == array.count else { throw JSONBody.invalid("layout.row_labels", "must be unique") }
            labels = array
        }
        let allSeats = Set(labels.flatMap { label in (1...columns).map { "\(label)\($0)" } })

        var aisles: [Int] = []
        if let given = object["aisles_after"] {
            guard let array = given as? [NSNumber],
                  case let values = array.compactMap({ JSONBody.exactInteger($0).map { Int($0) } }), values.count == array.count,
                  values.allSatisfy({ (1..<columns).contains($0) }), Set(values).count == values.count
            else { throw JSONBody.invalid("layout.aisles_after", "must list distinct column numbers from 1 to \(columns - 1)") }
            aisles = values.sorted()
        }

        var removed = Set<String>()
        if let given = object["removed"] {
            guard let array = given as? [String], Set(array).count == array.count else {
                throw JSONBody.invalid("layout.removed", "must list distinct seat labels")
            }
            for seat in array where !allSeats.contains(seat) { throw JSONBody.invalid("layout.removed", "names \(seat), which is not a seat") }
            removed = Set(array)
        }
        guard removed.count < rows * columns else { throw JSONBody.invalid("layout.removed", "leaves no seat") }

        var categories: [String: String] = [:]
        if let given = object["categories"] {
            guard let map = given as? [String: String] else { throw JSONBody.invalid("layout.categories", "must map seat labels to category names") }
            for (seat, category) in map {
                guard allSeats.contains(seat), !removed.contains(seat) else { throw JSONBody.invalid("layout.categories", "names \(seat), which is not a seat") }
                guard isCategoryName(category) else { throw JSONBody.invalid("layout.categories", "has a bad category name '\(category)'") }
            }
            categories = map
        }

        guard object["prices"] is [String: Any] else {
            throw JSONBody.invalid("layout.prices", "must map each category to a price in cents")
        }
        let prices = try parsePrices(object["prices"], field: "layout.prices")
        let used = Set(categories.values).union(["standard"])
        for category in used where prices[category] == nil {
            throw JSONBody.invalid("layout.prices", "has no price for category '\(category)'")
        }
        return SeatLayout(rows: rows, columns: columns, rowLabels: labels, aislesAfter: aisles,
                          removed: removed, categories: categories, prices: prices)
    }

    /// A `{category: cents}` map, the shape of layout and showtime prices:
    /// category names as `isCategoryName`, integer cents from 0 to 1,000,000.
    static func parsePrices(_ value: Any?, field: String) throws(APIError) -> [String: Int] {
        guard let map = value as? [String: Any] else {
            throw JSONBody.invalid(field, "must map category names to integer cents")
        }
        var prices: [String: Int] = [:]
        for (category, value) in map {
            guard isCategoryName(category), let number = value as? NSNumber, let cents = JSONBody.exactInteger(number),
                  (0...1_000_000).contains(cents) else {
                throw JSONBody.invalid(field, "must map category names to integer cents from 0 to 1000000")
            }
            prices[category] = Int(cents)
        }
        return prices
    }

    static func isCategoryName(_ name: String) -> Bool {
        (1...20).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLowercase || $0 == "_") }
    }

    /// The normalised layout as stored (defaults filled in).
    var json: String {
        let object: [String: Any] = [
            "rows": rows, "columns": columns, "row_labels": rowLabels, "aisles_after": aislesAfter,
            "removed": removed.sorted(), "categories": categories, "prices": prices,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
