import ArgumentParser
import MarqueeStore

/// `marquee migrate`: applies pending schema migrations and exits. Safe to
/// run while instances start: they take turns on an advisory lock.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending database migrations (numbered, recorded, locked).")

    @Option(help: "PostgreSQL URL (env DATABASE_URL).") var databaseURL: String?

    func run() throws {
        guard let url = databaseURL ?? Environment.string("DATABASE_URL") else {
            throw ConfigurationError("migrate needs --database-url or DATABASE_URL")
        }
        let applied = try Migrator.migrate(url: url)
        print(applied.isEmpty ? "database is up to date" : "applied migrations: \(applied.map(String.init).joined(separator: ", "))")
    }
}
