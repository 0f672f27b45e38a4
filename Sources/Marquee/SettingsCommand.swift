import ArgumentParser

/// `marquee settings`: the settings table, as `serve --help` lists it or as
/// the Markdown table of the README (scripts/settings-table.sh copies it there).
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "Print every setting: flag, environment variable, default, range.")

    @Flag(help: "Print the README's Markdown table.") var markdown = false

    func run() {
        print(markdown ? SettingsDocument.markdown : SettingsDocument.help, terminator: markdown ? "" : "\n")
    }
}
