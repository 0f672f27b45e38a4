import MarqueeHTTP

/// PostgreSQL array literals for `unnest($n::type[])` parameters: every
/// text element quoted, so any text (braces, commas, quotes) survives.
///
/// Each literal is written as bytes into one buffer sized up front and
/// turned into a `String` once: the batch writer builds about thirty of
/// these per batch, and building them from small `String`s (one per number,
/// then joined) was a tenth of the server's CPU during checkout.
enum PostgresArray {
    static func literal<S: Sequence>(_ values: S) -> String where S.Element == String? {
        var out: [UInt8] = []
        out.reserveCapacity(2 + values.underestimatedCount * 16)
        out.append(UInt8(ascii: "{"))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            guard let value else {
                out.append(contentsOf: "NULL".utf8)
                continue
            }
            out.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                // A quote or backslash inside an element is escaped with a backslash.
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func literal(strings values: [String]) -> String { literal(values.lazy.map { Optional($0) }) }

    static func literal<S: Sequence>(_ values: S) -> String where S.Element: BinaryInteger {
        var out: [UInt8] = []
        out.reserveCapacity(2 + values.underestimatedCount * 8)
        out.append(UInt8(ascii: "{"))
        appendList(values, to: &out)
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// A text array whose elements are integer array literals, for
    /// `t.seats::integer[]` after `unnest($n::text[])`: `{"{1,2}","{7}"}`.
    /// Digits, commas and braces need no escaping inside quotes.
    static func literal(integerLists lists: [[Int]]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(2 + lists.reduce(0) { $0 + 5 + $1.count * 5 })
        out.append(UInt8(ascii: "{"))
        for (index, list) in lists.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: "\"{".utf8)
            appendList(list, to: &out)
            out.append(contentsOf: "}\"".utf8)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendList<S: Sequence>(_ values: S, to out: inout [UInt8]) where S.Element: BinaryInteger {
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.appendDecimal(Int64(value))
        }
    }
}
