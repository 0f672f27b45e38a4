import Glibc

/// The process environment, read where settings are resolved (SettingValues).
enum Environment {
    /// A variable's value; an empty one counts as unset.
    @Sendable static func string(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}

struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
