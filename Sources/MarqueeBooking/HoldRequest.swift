import Foundation
import MarqueeHTTP
import MarqueeSeating
import MarqueeServer

/// What a hold request asks for, validated on the shard that received it
/// (no seat map needed): named seats or a best-available pick.
enum HoldRequest: Sendable {
    case seats([String])
    case bestAvailable(count: Int, category: String?)

    /// What the seat rules are asked to hold.
    var selection: SeatSelection {
        switch self {
        case .seats(let labels): return .named(labels)
        case .bestAvailable(let count, let category): return .bestAvailable(count: count, category: category)
        }
    }

    static func parse(_ request: HTTPRequest, maxSeats: Int) throws(APIError) -> HoldRequest {
        // The common shape, read without Foundation; anything else (and every
        // error) goes through the general JSON path below.
        if request.head.headers.withValue(of: "content-type", { $0.map(isJSON) ?? true }) {
            if let labels = fastSeats(request.body), !labels.isEmpty, labels.count <= maxSeats, allDistinct(labels) {
                return .seats(labels)
            }
            if let pick = fastBestAvailable(request.body), (1...maxSeats).contains(pick.count) {
                return .bestAvailable(count: pick.count, category: pick.category)
            }
        }
        let body = try JSONBody(request, allowed: ["seats", "best_available"])
        switch (body.has("seats"), body.has("best_available")) {
        case (true, true), (false, false):
            throw APIError(.badRequest, code: "invalid_field", message: "Give either `seats` or `best_available`.")
        case (true, false):
            return .seats(try labels(body.object["seats"], field: "seats", maxSeats: maxSeats, allowEmpty: false))
        case (false, true):
            guard let object = body.object["best_available"] as? [String: Any] else {
                throw JSONBody.invalid("best_available", "must be an object with `count` and optional `category`")
            }
            for key in object.keys where key != "count" && key != "category" {
                throw JSONBody.invalid("best_available.\(key)", "is not a field of best_available")
            }
            let inner = try JSONBody(object: object)
            guard let count = try inner.integer("count", required: true, range: 1...1_000) else {
                throw JSONBody.invalid("best_available.count", "is required")
            }
            guard count <= maxSeats else { throw tooMany(maxSeats) }
            let category = try inner.string("category", maxLength: 40)
            return .bestAvailable(count: Int(count), category: category)
        }
    }

    /// `application/json` in any case, parameters allowed: compared in
    /// place, on the header's bytes (a lower-cased copy was an allocation
    /// per hold).
    static func isJSON(_ contentType: UnsafeBufferPointer<UInt8>) -> Bool {
        let expected: StaticString = "application/json"
        guard contentType.count >= expected.utf8CodeUnitCount else { return false }
        for index in 0..<expected.utf8CodeUnitCount {
            let byte = contentType[index]
            guard (byte >= 65 && byte <= 90 ? byte | 0x20 : byte) == expected.utf8Start[index] else { return false }
        }
        return true
    }

    /// No label twice: pairwise, since a hold has a few seats (a `Set` was
    /// an allocation and a hash per label).
    static func allDistinct(_ labels: [String]) -> Bool {
        for index in labels.indices.dropFirst() where labels[..<index].contains(labels[index]) { return false }
        return true
    }

    /// A list of distinct seat labels such as "F7".
    static func labels(_ value: Any?, field: String, maxSeats: Int, allowEmpty: Bool) throws(APIError) -> [String] {
        guard let array = value as? [Any], array.allSatisfy({ $0 is String }), case let labels = array.map({ $0 as! String }),
              labels.allSatisfy({ (2...8).contains($0.utf8.count) && $0.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) } })
        else { throw JSONBody.invalid(field, "must be a list of seat labels such as \"F7\"") }
        guard allowEmpty || !labels.isEmpty else { throw JSONBody.invalid(field, "must name at least one seat") }
        guard labels.count <= maxSeats else { throw tooMany(maxSeats) }
        var seen = Set<String>()
        let duplicates = labels.filter { !seen.insert($0).inserted }
        guard duplicates.isEmpty else {
            throw APIError(.badRequest, code: "duplicate_seats", message: "A seat is named twice.",
                           detailsJSON: "\"seats\":\(BookingJSON.labels(Array(Set(duplicates)).sorted()))")
        }
        return labels
    }

    /// `{"seats":["F7","F8"]}` with optional spaces, labels of capitals and
    /// digits only; nil for any other text.
    static func fastSeats(_ body: [UInt8]) -> [String]? {
        var scan = FastJSONScan(body)
        guard scan.expect("{"), scan.expectKey("seats"), scan.expect("[") else { return nil }
        var labels: [String] = []
        repeat {
            guard let label = scan.quoted(allowed: { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) }, length: 2...8) else { return nil }
            labels.append(label)
        } while scan.expect(",")
        guard scan.expect("]"), scan.expect("}"), scan.atEnd else { return nil }
        return labels
    }

    /// `{"best_available":{"count":4,"category":"standard"}}` (category
    /// optional, either order, lowercase letters, digits, `_` and `-`);
    /// nil for any other text. Checkout's hold, so worth a fast path.
    static func fastBestAvailable(_ body: [UInt8]) -> (count: Int, category: String?)? {
        var scan = FastJSONScan(body)
        guard scan.expect("{"), scan.expectKey("best_available"), scan.expect("{") else { return nil }
        var count: Int?
        var category: String?
        repeat {
            if count == nil, scan.expectKey("count") {
                guard let value = scan.digits(maxDigits: 4) else { return nil }
                count = value
            } else if category == nil, scan.expectKey("category") {
                guard let value = scan.quoted(allowed: { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 || $0 == 45 },
                                              length: 1...40) else { return nil }
                category = value
            } else {
                return nil
            }
        } while scan.expect(",")
        guard let count, scan.expect("}"), scan.expect("}"), scan.atEnd else { return nil }
        return (count, category)
    }

    static func tooMany(_ max: Int) -> APIError {
        APIError(.unprocessableContent, code: "too_many_seats", message: "A hold may have at most \(max) seats.")
    }
}
