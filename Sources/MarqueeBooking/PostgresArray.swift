/// PostgreSQL array literals for `unnest($n::type[])` parameters: every
/// element quoted, so any text (braces, commas, quotes) survives.
enum PostgresArray {
    static func literal<S: Sequence>(_ values: S) -> String where S.Element == String? {
        var out = "{"
        var first = true
        for value in values {
            if !first { out += "," }
            first = false
            guard let value else {
                out += "NULL"
                continue
            }
            out += "\""
            // Escaping is rare (our values are ids, labels, statuses): scan bytes, not characters.
            if value.utf8.contains(where: { $0 == 34 || $0 == 92 }) {
                for character in value {
                    if character == "\"" || character == "\\" { out += "\\" }
                    out.append(character)
                }
            } else {
                out += value
            }
            out += "\""
        }
        return out + "}"
    }

    static func literal<S: Sequence>(_ values: S) -> String where S.Element: BinaryInteger {
        "{" + values.map { String($0) }.joined(separator: ",") + "}"
    }

    static func literal(strings values: [String]) -> String { literal(values.map { Optional($0) }) }
}
