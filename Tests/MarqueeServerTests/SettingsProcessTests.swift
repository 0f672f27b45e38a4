import Foundation
@testable import Marquee
import MarqueeTestSupport
import Testing

/// The settings table as the `marquee` binary shows and applies it.
@Suite("Settings of the marquee binary", .serialized)
struct SettingsProcessTests {
    struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    /// Runs `marquee` to completion.
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = ServedProcess.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read before waiting: a full pipe would block the child.
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaints = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: printed, as: UTF8.self),
                   errors: String(decoding: complaints, as: UTF8.self))
    }

    @Test("serve --help lists every setting with its variable and default; secrets without a flag")
    func helpListsEverySetting() throws {
        let help = try run(["serve", "--help"])
        #expect(help.status == 0)
        for definition in Setting.allCases.map(\.definition) {
            if let flag = definition.flag {
                let placeholder = definition.kind == .toggle ? "" : " <"
                #expect(help.output.contains("  \(flag)\(placeholder)"), "\(flag) missing from serve --help")
            } else {
                #expect(!help.output.contains("--\(definition.name)"), "secret \(definition.variable) has a flag in help")
            }
            #expect(help.output.contains(", \(definition.variable)\n") || help.output.contains("  \(definition.variable)\n"),
                    "\(definition.variable) missing from serve --help")
            let flattened = help.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(flattened.contains("Default: \(definition.defaultDescription)."), "\(definition.name)'s default missing")
        }
    }

    @Test("README's configuration table is what marquee settings --markdown prints")
    func readmeTableMatches() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = try #require(readme.range(of: "<!-- settings:begin -->"), "README.md has no settings markers")
        let end = try #require(readme.range(of: "<!-- settings:end -->", range: begin.upperBound..<readme.endIndex))
        let table = readme[begin.upperBound..<end.lowerBound].trimmingCharacters(in: .newlines)
        let printed = try run(["settings", "--markdown"])
        #expect(printed.status == 0)
        #expect(table == printed.output.trimmingCharacters(in: .newlines), "run scripts/settings-table.sh after editing the settings table")
    }

    @Test("serve takes a flag over its variable, and the variable over the default")
    func servePrecedence() throws {
        let flagged = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "1"], environment: ["SHARDS": "3"])
        flagged.signal(SIGTERM)
        #expect(flagged.waitForExit() == 0)
        #expect(flagged.log.contains("\"shards\":1"), "\(flagged.log)")
        let variable = try ServedProcess.start(arguments: ["serve", "--port", "0"], environment: ["SHARDS": "3"])
        variable.signal(SIGTERM)
        #expect(variable.waitForExit() == 0)
        #expect(variable.log.contains("\"shards\":3"), "\(variable.log)")
    }

    @Test("serve refuses a value out of range before serving, naming the setting, flag and variable")
    func serveRefusesOutOfRange() throws {
        let flagged = try run(["serve", "--port", "0", "--live-groups", "65"])
        #expect(flagged.status != 0)
        #expect(flagged.errors.contains("--live-groups must be 1...64, got '65' (setting live-groups: flag --live-groups, variable LIVE_GROUPS)"),
                "\(flagged.errors)")
        #expect(!flagged.errors.contains("listening"))
        let unknown = try run(["serve", "--live-group", "8"])
        #expect(unknown.status != 0)
        #expect(unknown.errors.contains("unknown option '--live-group'"))
        let secret = try run(["serve", "--jwt-secret", String(repeating: "s", count: 40)])
        #expect(secret.status != 0)
        #expect(secret.errors.contains("JWT_SECRET is a secret: set it in the environment"))
    }
}
