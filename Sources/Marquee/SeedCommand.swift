import ArgumentParser
import MarqueeCatalog
import MarqueeStore

/// `marquee seed --demo`: loads the deterministic demo catalog once.
struct SeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed", abstract: "Load demo data (idempotent: a seeded database is left as it is).")

    @Flag(help: "Load the demo catalog: movies, people, theaters, two weeks of showtimes from today.") var demo = false
    @Option(help: SettingValues.databaseURLHelp) var databaseURL: String?

    func run() throws {
        guard demo else { throw ValidationError("say what to seed: --demo") }
        let url = try SettingValues.databaseURL(flag: databaseURL, for: "seed")
        try Migrator.migrate(url: url)
        let summary = try DemoSeed.run(url: url)
        print(summary.seeded
            ? "seeded the demo catalog: \(summary.movies) movies, \(summary.showtimes) showtimes"
            : "already seeded: \(summary.movies) movies, \(summary.showtimes) showtimes (nothing changed)")
    }
}
