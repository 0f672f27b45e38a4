import Foundation
import MarqueeHTTP
import MarqueeServer

/// What a hold request asks for, validated on the shard that received it
/// (no seat map needed): named seats or a best-available pick.
enum HoldRequest: Sendable {
    case seats([String])
    case bestAvailable(count: Int, category: String?)

    static func parse(_ request: HTTPRequest, maxSeats: Int) throws(APIError) -> HoldRequest {
        // The common shape, read without Foundation; anything else (and every
        // error) goes through the general JSON path below.
        if let labels = fastSeats(request.body), !labels.isEmpty, labels.count <= maxSeats, Set(labels).count == labels.count,
           request.head.headers["content-type"].map({ $0.lowercased().hasPrefix("application/json") }) ?? true {
            return .seats(labels)
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
        var index = 0
        func skipSpaces() { while index < body.count && (body[index] == 32 || body[index] == 10 || body[index] == 13 || body[index] == 9) { index += 1 } }
        func expect(_ byte: UInt8) -> Bool {
            skipSpaces()
            guard index < body.count && body[index] == byte else { return false }
            index += 1
            return true
        }
        guard expect(UInt8(ascii: "{")), expect(UInt8(ascii: "\"")) else { return nil }
        let key: [UInt8] = Array("seats\"".utf8)
        guard body.count - index >= key.count, body[index..<(index + key.count)].elementsEqual(key) else { return nil }
        index += key.count
        guard expect(UInt8(ascii: ":")), expect(UInt8(ascii: "[")) else { return nil }
        var labels: [String] = []
        while true {
            guard expect(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < body.count, (body[index] >= 48 && body[index] <= 57) || (body[index] >= 65 && body[index] <= 90) { index += 1 }
            guard index < body.count, body[index] == UInt8(ascii: "\""), (2...8).contains(index - start) else { return nil }
            labels.append(String(decoding: body[start..<index], as: UTF8.self))
            index += 1
            skipSpaces()
            guard index < body.count else { return nil }
            if body[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard body[index] == UInt8(ascii: "]") else { return nil }
            index += 1
            break
        }
        guard expect(UInt8(ascii: "}")) else { return nil }
        skipSpaces()
        return index == body.count ? labels : nil
    }

    static func tooMany(_ max: Int) -> APIError {
        APIError(.unprocessableContent, code: "too_many_seats", message: "A hold may have at most \(max) seats.")
    }
}
