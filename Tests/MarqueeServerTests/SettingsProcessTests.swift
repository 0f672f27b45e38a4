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

    /// Runs `marquee` to completion. One that is still running after the
    /// deadline (a server that should have refused to start) is killed and
    /// reported with status -1, so a broken check fails instead of hanging.
    /// The deadline is generous: refusing or printing takes a fraction of a
    /// second, but the machine may be loaded by parallel builds.
    func run(_ arguments: [String], environment: [String: String] = [:], deadlineSeconds: Double = 30) throws -> Run {
        let process = Process()
        process.executableURL = ServedProcess.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        // Files rather than pipes: nothing has to be read while waiting.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marquee-settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputURL = folder.appendingPathComponent("out"), errorsURL = folder.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorsURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorsURL)
        try process.run()
        let deadline = Date().addingTimeInterval(deadlineSeconds)
        while process.isRunning, Date() < deadline { usleepMilliseconds(10) }
        let finished = !process.isRunning
        if !finished { process.terminate() }
        process.waitUntilExit()
        return Run(status: finished ? process.terminationStatus : -1,
                   output: try String(contentsOf: outputURL, encoding: .utf8),
                   errors: try String(contentsOf: errorsURL, encoding: .utf8))
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
        #expect(flagged.status > 0, "exit status -1: still serving at the deadline")
        #expect(flagged.errors.contains("--live-groups must be 1...64, got '65' (setting live-groups: flag --live-groups, variable LIVE_GROUPS)"),
                "\(flagged.errors)")
        #expect(!flagged.errors.contains("listening"))
        let unknown = try run(["serve", "--live-group", "8"])
        #expect(unknown.status > 0, "exit status -1: still serving at the deadline")
        #expect(unknown.errors.contains("unknown option '--live-group'"))
        let secret = try run(["serve", "--jwt-secret", String(repeating: "s", count: 40)])
        #expect(secret.status > 0, "exit status -1: still serving at the deadline")
        #expect(secret.errors.contains("JWT_SECRET is a secret: set it in the environment"))
    }
}
