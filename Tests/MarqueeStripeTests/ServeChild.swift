import Foundation
import MarqueeTestSupport

/// A `marquee` child process (the binary built beside this test bundle),
/// its standard error kept in a file: nothing has to read it while the
/// test waits, and all of it is there after exit.
final class ServeChild: @unchecked Sendable {
    // @unchecked: set up in init; the process is then only signalled and waited for.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("marquee")
    }

    let process = Process()
    private let logFile: URL

    init(_ arguments: [String], environment: [String: String]) throws {
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("marquee-stripe-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = Self.binary
        process.arguments = arguments
        // Only what the test gives, plus PATH: no STRIPE_* or PAYMENT_* of the
        // shell running the tests leaks in.
        // A token key given, so nothing is written into the working folder.
        var env = ["JWT_SECRET": "stripe-" + UUID().uuidString + "-secret"].merging(environment) { $1 }
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        process.environment = env
        process.standardError = try FileHandle(forWritingTo: logFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: logFile)
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// The port `serve` logged, once it listens; nil if it exited or never did.
    func waitForPort(seconds: Double = 30) -> Int? {
        var port: Int?
        _ = eventually(within: seconds) {
            if let range = log.range(of: "\"port\":") { port = Int(log[range.upperBound...].prefix { $0.isNumber }) }
            return port != nil || !process.isRunning
        }
        return port
    }

    /// Waits for the exit (killing the child past the deadline, reported
    /// as -1, so a server that should have refused to start fails the test
    /// instead of hanging it).
    func waitForExit(seconds: Double = 30) -> Int32 {
        let exited = eventually(within: seconds) { !process.isRunning }
        if !exited { process.terminate() }
        process.waitUntilExit()
        return exited ? process.terminationStatus : -1
    }
}
