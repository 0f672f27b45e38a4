/// `from`/`to` query parameters: ISO 8601 dates (`2026-12-01`) or
/// date-times with a zone (`2026-12-01T18:30:00Z`, `...+01:00`), years
/// 1800 to 9999, checked
/// the same way on every endpoint that filters by time.
public struct DateRange: Sendable, Equatable {
    /// Unix seconds, inclusive; nil: unbounded.
    public let from: Int64?
    /// Unix seconds, exclusive; nil: unbounded.
    public let to: Int64?

    public init(from: Int64?, to: Int64?) {
        self.from = from
        self.to = to
    }

    /// A date alone means its whole day (UTC): `to=2026-12-01` includes that day.
    public static func parse(from: String?, to: String?, maxDays: Int = 366) throws(APIError) -> DateRange {
        let start = try from.map { text throws(APIError) in try instant(text, parameter: "from", endOfDay: false) }
        let end = try to.map { text throws(APIError) in try instant(text, parameter: "to", endOfDay: true) }
        if let start, let end, let to {
            // Compared with the start of `to`: from=12-02&to=12-01 is reversed
            // although 12-01 as an upper bound runs to 12-02 00:00.
            guard start <= (try instant(to, parameter: "to", endOfDay: false)) else {
                throw APIError(.badRequest, code: "invalid_date_range", message: "'from' must not be after 'to'.")
            }
            guard end - start <= Int64(maxDays) * 86_400 else {
                throw APIError(.badRequest, code: "date_range_too_large",
                               message: "The date range may span at most \(maxDays) days.",
                               detailsJSON: "\"max_days\":\(maxDays)")
            }
        }
        return DateRange(from: start, to: end)
    }

    static func instant(_ text: String, parameter: String, endOfDay: Bool) throws(APIError) -> Int64 {
        guard let seconds = ISO8601.parse(text, endOfDay: endOfDay) else {
            throw APIError(.badRequest, code: "invalid_date",
                           message: "'\(parameter)' must be an ISO 8601 date (2026-12-01) or date-time with a zone (2026-12-01T18:30:00Z).",
                           detailsJSON: "\"parameter\":\(JSONText.quoted(parameter)),\"value\":\(JSONText.quoted(String(text.prefix(100))))")
        }
        return seconds
    }
}

/// A strict ISO 8601 / RFC 3339 reader: real calendar dates only (no
/// 2026-02-30), years 1800 to 9999, a zone required on date-times.
public enum ISO8601 {
    /// Unix seconds. A bare date gives its midnight UTC, or the next
    /// midnight with `endOfDay` (for exclusive upper bounds).
    public static func parse(_ text: String, endOfDay: Bool = false) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2),
              (1800...9999).contains(year), (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        let midnight = Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400
        if bytes.count == 10 { return endOfDay ? midnight + 86_400 : midnight }

        // T hh:mm[:ss[.fraction]] zone
        guard bytes.count >= 17, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
              bytes[13] == UInt8(ascii: ":"),
              let hour = number(bytes, 11, 2), let minute = number(bytes, 14, 2), hour < 24, minute < 60
        else { return nil }
        var index = 16
        var second = 0
        if index < bytes.count && bytes[index] == UInt8(ascii: ":") {
            guard let parsed = number(bytes, index + 1, 2), parsed < 60 else { return nil }
            second = parsed
            index += 3
            if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
                index += 1
                let start = index
                while index < bytes.count && bytes[index] >= 48 && bytes[index] <= 57 { index += 1 }
                guard index > start, index - start <= 9 else { return nil }
            }
        }
        guard index < bytes.count else { return nil }  // a zone is required
        var offset = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard bytes.count == index + 6, bytes[index + 3] == UInt8(ascii: ":"),
                  let hours = number(bytes, index + 1, 2), let minutes = number(bytes, index + 4, 2),
                  hours < 24, minutes < 60 else { return nil }
            offset = (hours * 60 + minutes) * 60 * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return nil
        }
        return midnight + Int64(hour * 3600 + minute * 60 + second - offset)
    }

    static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[start..<(start + count)] {
            guard byte >= 48 && byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Howard Hinnant's days-from-civil (inverse of HTTPDate.civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// RFC 3339 in UTC, for JSON output and SQL parameters.
    public static func format(_ seconds: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        bytes.appendRFC3339(seconds)
        return String(decoding: bytes, as: UTF8.self)
    }
}
