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
            for character in value {
                if character == "\"" || character == "\\" { out += "\\" }
                out.append(character)
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
