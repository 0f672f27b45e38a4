/// What one setting is: its names on the command line and in the
/// environment, what it accepts, its default and one line of help. The
/// table of all of them is `Setting.definition` (SettingsTable.swift);
/// flags, environment parsing, validation, `serve --help` and the README's
/// configuration table are all produced from it.
struct SettingDefinition: Sendable {
    enum Kind: Sendable, Equatable {
        /// A whole number within the range (`Int.max` as the upper bound: no upper limit).
        case integer(ClosedRange<Int>)
        /// Free text: an address, a URL, a path.
        case text
        /// One of these words, in any case.
        case choice([String])
        /// On or off: a flag without a value; in the environment 1, true, yes or on, and 0, false, no or off.
        case toggle
        /// Environment only, never echoed in a message: text of this many characters.
        case secret(characters: ClosedRange<Int>)
    }

    enum Default: Sendable {
        /// A fixed value, written as on the command line.
        case value(String)
        /// Worked out at start (described, then how).
        case derived(String, @Sendable () -> String)
        /// No value; the description says what being unset means.
        case none(String)
    }

    /// The flag without its dashes; also how messages name the setting.
    let name: String
    /// The environment variable.
    let variable: String
    let kind: Kind
    let defaultValue: Default
    let help: String

    var isSecret: Bool {
        if case .secret = kind { return true }
        return false
    }

    /// Secrets have none: a flag's value shows in `ps` and in shell history.
    var flag: String? { isSecret ? nil : "--" + name }

    /// What is accepted, as messages, help and the README say it.
    var allowed: String {
        switch kind {
        case .integer(let range) where range.upperBound == Int.max: return "\(range.lowerBound) or more"
        case .integer(let range): return "\(range.lowerBound)...\(range.upperBound)"
        case .text: return "text"
        case .choice(let words): return words.joined(separator: ", ")
        case .toggle: return "flag; variable 1 or 0"
        case .secret(let lengths) where lengths == 1...Int.max: return "not empty"
        case .secret(let lengths) where lengths.upperBound == Int.max: return "\(lengths.lowerBound) or more characters"
        case .secret(let lengths): return "\(lengths.lowerBound) to \(lengths.upperBound) characters"
        }
    }

    /// The default as help and the README state it.
    var defaultDescription: String {
        switch defaultValue {
        case .value(let text) where kind == .toggle: return text == "1" ? "on" : "off"
        case .value(let text): return text
        case .derived(let description, _): return description
        case .none(let meaning): return meaning
        }
    }

    /// Checks one value against `kind` and returns it in its canonical form
    /// (a choice lowercased, a toggle "1" or "0"). The error names the place
    /// the value came from first, then the setting's other name.
    func validate(_ text: String, from source: SettingSource) throws -> String {
        switch kind {
        case .integer(let range):
            guard let value = Int(text) else { throw refusal("must be an integer (\(allowed))", got: text, from: source) }
            guard range.contains(value) else { throw refusal("must be \(allowed)", got: text, from: source) }
            return text
        case .text:
            return text
        case .choice(let words):
            guard words.contains(text.lowercased()) else { throw refusal("must be one of \(allowed)", got: text, from: source) }
            return text.lowercased()
        case .toggle:
            switch text.lowercased() {
            case "1", "true", "yes", "on": return "1"
            case "0", "false", "no", "off": return "0"
            default: throw refusal("must be 1 or 0 (true or false)", got: text, from: source)
            }
        case .secret(let lengths):
            guard lengths.contains(text.count) else { throw refusal("must have \(allowed)", got: nil, from: source) }
            return text
        }
    }

    private func refusal(_ rule: String, got text: String?, from source: SettingSource) -> ConfigurationError {
        let place = source == .flag ? flag ?? variable : variable
        let got = text.map { ", got '\($0)'" } ?? ""
        let names = flag.map { "flag \($0), variable \(variable)" } ?? "variable \(variable) only, never a flag"
        return ConfigurationError("\(place) \(rule)\(got) (setting \(name): \(names))")
    }
}

/// Where a setting's value came from; earlier cases win.
enum SettingSource: Sendable, Equatable {
    case flag, environment, defaultValue
}
