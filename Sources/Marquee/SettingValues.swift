import ArgumentParser

/// The settings as given: flags from the command line, then the
/// environment, then each setting's default. Values are checked against
/// the table when read, so a command refuses only what it uses.
struct SettingValues: Sendable {
    /// Flag values by setting, already canonical (a toggle given is "1").
    let flags: [Setting: String]
    /// Reads one variable; an empty value counts as unset.
    let environment: @Sendable (String) -> String?

    init(flags: [Setting: String] = [:], environment: @escaping @Sendable (String) -> String? = Environment.string) {
        self.flags = flags
        self.environment = environment
    }

    /// Parses `--name value`, `--name=value` and bare toggles against the
    /// table. Secrets have no flag, and naming one says where it goes instead.
    init(arguments: [String], environment: @escaping @Sendable (String) -> String? = Environment.string) throws {
        var flags: [Setting: String] = [:]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else { throw ValidationError("unexpected argument '\(argument)'") }
            let option = argument.dropFirst(2)
            let name = String(option.prefix { $0 != "=" })
            let attached = option.firstIndex(of: "=").map { String(option[option.index(after: $0)...]) }
            guard let setting = Setting.allCases.first(where: { $0.definition.name == name }) else {
                throw ValidationError("unknown option '--\(name)'")
            }
            let definition = setting.definition
            guard definition.flag != nil else {
                throw ValidationError("\(definition.variable) is a secret: set it in the environment (flags show in ps)")
            }
            if definition.kind == .toggle {
                guard attached == nil else { throw ValidationError("--\(name) takes no value") }
                flags[setting] = "1"
                continue
            }
            if let attached {
                flags[setting] = try definition.validate(attached, from: .flag)
            } else {
                guard index < arguments.endIndex else { throw ValidationError("--\(name) needs a value") }
                flags[setting] = try definition.validate(arguments[index], from: .flag)
                index += 1
            }
        }
        self.init(flags: flags, environment: environment)
    }

    /// The winning value, checked, and where it came from; nil when the
    /// setting is unset and has no default.
    func resolve(_ setting: Setting) throws -> (value: String, source: SettingSource)? {
        let definition = setting.definition
        if let flag = flags[setting] { return (flag, .flag) }
        if let text = environment(definition.variable), !text.isEmpty {
            return (try definition.validate(text, from: .environment), .environment)
        }
        switch definition.defaultValue {
        case .value(let text): return (try definition.validate(text, from: .defaultValue), .defaultValue)
        case .derived(_, let work): return (try definition.validate(work(), from: .defaultValue), .defaultValue)
        case .none: return nil
        }
    }

    func integer(_ setting: Setting) throws -> Int {
        guard case .integer = setting.definition.kind, let resolved = try resolve(setting), let value = Int(resolved.value) else {
            preconditionFailure("\(setting.definition.name) is not an integer setting with a default")
        }
        return value
    }

    /// Text, a choice or a secret; nil when unset without a default.
    func text(_ setting: Setting) throws -> String? {
        switch setting.definition.kind {
        case .text, .choice, .secret: return try resolve(setting)?.value
        case .integer, .toggle: preconditionFailure("\(setting.definition.name) is not text")
        }
    }

    func toggle(_ setting: Setting) throws -> Bool {
        precondition(setting.definition.kind == .toggle, "\(setting.definition.name) is not a toggle")
        return try resolve(setting)?.value == "1"
    }
}
