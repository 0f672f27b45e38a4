import Foundation
import MarqueeTestSupport
import Testing

/// The real `marquee` binary, started and signalled like an operator would.
@Suite("marquee serve process", .serialized)
struct ServeProcessTests {
    @Test("serve --port 0 logs its port, serves, and exits 0 on SIGTERM after draining")
    func sigtermDrainsAndExits() throws {
        let process = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "2"])
        let client = try TestClient(port: process.port)
        try client.send(get("/healthz"))
        #expect(try client.readResponse().status == 200)
        process.signal(SIGTERM)
        #expect(process.waitForExit() == 0)
        #expect(process.log.contains("\"msg\":\"stopped\""))
        #expect(process.log.contains("\"msg\":\"listening\""))
    }

    @Test("SIGINT works the same way")
    func sigint() throws {
        let process = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "1"])
        process.signal(SIGINT)
        #expect(process.waitForExit() == 0)
    }

    @Test("a JWT_SECRET published in the repository is refused before serving")
    func publishedSecret() throws {
        let (status, text) = try refusal(["serve", "--port", "0"],
                                         environment: ["JWT_SECRET": "change-me-this-is-only-a-demo-secret-0123456789", "DATABASE_URL": ""])
        #expect(status != 0)
        #expect(text.contains("JWT_SECRET is a key published in Marquee's repository"), "\(text)")
    }

    @Test("healthcheck exits 0 when /healthz answers 200, and 1 with the reason otherwise")
    func healthcheck() throws {
        let process = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "1"])
        let port = String(process.port)
        let healthy = try CommandTests.run(["healthcheck", "--port", port])
        #expect(healthy.status == 0, "\(healthy.output)")
        // PORT is what the image sets; the flag is not needed there.
        #expect(try CommandTests.run(["healthcheck"], environment: ["PORT": port]).status == 0)
        let missing = try CommandTests.run(["healthcheck", "--port", port, "--path", "/no-such-route"])
        #expect(missing.status == 1)
        #expect(missing.output.contains("answered 404"))
        process.signal(SIGTERM)
        #expect(process.waitForExit() == 0)
        let stopped = try CommandTests.run(["healthcheck", "--port", port])
        #expect(stopped.status == 1)
        #expect(stopped.output.contains("cannot connect"))
    }

    /// Runs `marquee` expecting it to refuse to start: its exit status and
    /// what it wrote to standard error.
    func refusal(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, errors: String) {
        let process = Process()
        process.executableURL = ServedProcess.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    @Test("bad configuration is refused before serving, with a clear message")
    func badConfiguration() throws {
        let (status, text) = try refusal(["serve", "--port", "70000"])
        #expect(status != 0)
        #expect(text.contains("port must be 0...65535"))
    }

    @Test("a JWT_SECRET under 32 bytes is refused before serving; 32 bytes serve")
    func shortTokenSecret() throws {
        // No database: the secret is checked before anything would be served.
        let (status, text) = try refusal(["serve", "--port", "0"], environment: ["JWT_SECRET": String(repeating: "s", count: 31), "DATABASE_URL": ""])
        #expect(status != 0)
        #expect(text.contains("JWT_SECRET must have 32 or more characters"), "\(text)")
        #expect(!text.contains("\"msg\":\"listening\""))
        let enough = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "1"],
                                             environment: ["JWT_SECRET": String(repeating: "s", count: 32), "DATABASE_URL": ""])
        enough.signal(SIGTERM)
        #expect(enough.waitForExit() == 0)
    }

    @Test("live seat-map settings out of range are refused before serving", arguments: [
        ("LIVE_GROUPS", "0", "LIVE_GROUPS must be 1...64"), ("LIVE_GROUPS", "65", "LIVE_GROUPS must be 1...64"),
        ("LIVE_GROUP_SIZE", "0", "LIVE_GROUP_SIZE must be 1...100000"),
        ("LIVE_COALESCE_MS", "1001", "LIVE_COALESCE_MS must be 0...1000"),
    ])
    func badLiveSettings(name: String, value: String, message: String) throws {
        let (status, text) = try refusal(["serve", "--port", "0"], environment: [name: value])
        #expect(status != 0)
        #expect(text.contains(message), "\(text)")
    }
}

/// A `marquee serve` child process whose structured log tells its port.
final class ServedProcess: @unchecked Sendable {
    static var binary: URL {
        // The test bundle sits in the build directory next to the products.
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = bundle.deletingLastPathComponent()
        if directory.lastPathComponent == "MacOS" || bundle.pathExtension == "xctest" && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("marquee").path) {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("marquee")
    }

    let process = Process()
    private let errors = LogPipe()
    private(set) var port = 0

    static func start(arguments: [String], environment: [String: String] = [:]) throws -> ServedProcess {
        let served = ServedProcess()
        served.process.executableURL = binary
        served.process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        served.process.environment = env
        served.process.standardError = served.errors.pipe
        try served.process.run()
        for _ in 0..<200 {
            if let port = served.loggedPort() {
                served.port = port
                return served
            }
            usleepMilliseconds(25)
        }
        served.process.terminate()
        throw TestClient.Failure("server did not log a port: \(served.log)")
    }

    var log: String { errors.text }

    private func loggedPort() -> Int? {
        guard let range = log.range(of: "\"port\":") else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to exit, then reads the rest of its log.
    func waitForExit() -> Int32 {
        process.waitUntilExit()
        errors.finish()
        return process.terminationStatus
    }
}

/// A child's standard error, read as it comes (so the pipe never fills)
/// and read to the end of what it holds once the child has exited. Not
/// "until end of file": a child spawned meanwhile by a test running in
/// parallel may inherit the write end and keep the pipe open.
final class LogPipe: @unchecked Sendable {
    // @unchecked: `collected` and `reading` are behind the lock.
    let pipe = Pipe()
    private let lock = NSLock()
    private var collected: [UInt8] = []
    private var reading = true

    init() {
        let fd = pipe.fileHandleForReading.fileDescriptor
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        Thread { [self] in
            var readable = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while lock.withLock({ reading }) {
                if poll(&readable, 1, 20) > 0 { readAvailable() }
            }
        }.start()
    }

    var text: String { lock.withLock { String(decoding: collected, as: UTF8.self) } }

    /// Takes what the pipe holds now. Reading and keeping happen under the
    /// lock, so no bytes are ever read but not yet in `collected`.
    private func readAvailable() {
        lock.withLock {
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(pipe.fileHandleForReading.fileDescriptor, $0.baseAddress, $0.count) }
                guard count > 0 else {
                    if count == 0 { reading = false }  // end of file: nothing more will come
                    return
                }
                collected += chunk[..<count]
            }
        }
    }

    /// Once the writer has exited: reads what it left and stops reading.
    func finish() {
        readAvailable()
        lock.withLock { reading = false }
    }
}
