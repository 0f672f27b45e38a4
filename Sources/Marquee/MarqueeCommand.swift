import ArgumentParser

/// `marquee`: one binary for every job an operator runs.
struct MarqueeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marquee",
        abstract: "Marquee: a movie-theater reservation server.",
        subcommands: [ServeCommand.self, MigrateCommand.self, SeedCommand.self, AdminCommand.self, SettingsCommand.self,
                      HealthcheckCommand.self],
        defaultSubcommand: ServeCommand.self)
}
