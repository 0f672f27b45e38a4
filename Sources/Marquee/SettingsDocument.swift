/// The settings table as people read it: the settings part of
/// `marquee serve --help`, and the Markdown table of the README's
/// Configuration section (`marquee settings --markdown`, copied there by
/// scripts/settings-table.sh).
enum SettingsDocument {
    static var help: String {
        var lines = ["Settings: each flag has an environment variable; a flag wins over its",
                     "variable, a variable over the default.", ""]
        for definition in Setting.allCases.map(\.definition) where !definition.isSecret {
            let value = definition.kind == .toggle ? "" : " <\(placeholder(definition.kind))>"
            lines.append("  \(definition.flag!)\(value), \(definition.variable)")
            lines += wrap(details(definition), indent: 6)
        }
        lines += ["", "Secrets, from the environment only (flags show in ps):"]
        for definition in Setting.allCases.map(\.definition) where definition.isSecret {
            lines.append("  \(definition.variable)")
            lines += wrap(details(definition), indent: 6)
        }
        return lines.joined(separator: "\n")
    }

    /// The help line, the default and what is allowed.
    private static func details(_ definition: SettingDefinition) -> String {
        let allowed = definition.kind == .text ? "" : " Allowed: \(definition.allowed)."
        return "\(definition.help) Default: \(definition.defaultDescription).\(allowed)"
    }

    static var markdown: String {
        var lines = ["| Variable | Flag | Default | Allowed | Meaning |", "|---|---|---|---|---|"]
        for definition in Setting.allCases.map(\.definition) {
            let flag = definition.flag.map { "`\($0)`" } ?? "none (secret)"
            let defaultValue: String
            if case .value = definition.defaultValue, definition.kind != .toggle {
                defaultValue = "`\(definition.defaultDescription)`"
            } else {
                defaultValue = definition.defaultDescription
            }
            let cells = ["`\(definition.variable)`", flag, defaultValue, definition.allowed, definition.help]
            lines.append("| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func placeholder(_ kind: SettingDefinition.Kind) -> String {
        switch kind {
        case .integer: return "n"
        case .choice: return "word"
        case .text, .toggle, .secret: return "text"
        }
    }

    /// Words to lines of at most 76 columns: swift-argument-parser indents
    /// the discussion by two and wraps past 80 on its own, less neatly.
    private static func wrap(_ text: String, indent: Int) -> [String] {
        let margin = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = margin
        for word in text.split(separator: " ") {
            if line.count > indent, line.count + 1 + word.count > 76 {
                lines.append(line)
                line = margin
            }
            line += (line.count > indent ? " " : "") + word
        }
        lines.append(line)
        return lines
    }
}
