import ArgumentParser
import MarqueeStore

/// `marquee migrate`: applies pending schema migrations and exits. Safe to
/// run while instances start: they take turns on an advisory lock.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending database migrations (numbered, recorded, locked).")

    @Option(help: SettingValues.databaseURLHelp) var databaseURL: String?

    func run() throws {
        let url = try SettingValues.databaseURL(flag: databaseURL, for: "migrate")
        let applied = try Migrator.migrate(url: url)
        print(applied.isEmpty ? "database is up to date" : "applied migrations: \(applied.map(String.init).joined(separator: ", "))")
    }
}
