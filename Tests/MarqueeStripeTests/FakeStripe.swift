import Foundation
import MarqueeTestSupport
import Testing

/// Tests/FakeStripe/fake_stripe.py as a child process: Stripe's API over
/// HTTPS on one port (with the certificate given), its control endpoints
/// over plain HTTP on another, read with the blocking `TestClient`.
final class FakeStripe: @unchecked Sendable {
    // @unchecked: set once in init; the process object is only signalled.
    static let secretKey = "sk_test_fake_marquee"
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FakeStripe/fake_stripe.py").path
    }

    let process = Process()
    let port: Int
    let controlPort: Int
    var apiBase: String { "https://localhost:\(port)" }

    init(certificate: TestCertificates.Pair) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--cert", certificate.certificate, "--key", certificate.key,
                             "--secret-key", Self.secretKey]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // The first line, `port N control M`, comes once it listens.
        var line: [UInt8] = []
        let fd = output.fileHandleForReading.fileDescriptor
        var readable = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = eventually(within: 20, pollingEvery: 1) {
            guard poll(&readable, 1, 50) > 0 else { return false }
            var byte: UInt8 = 0
            while read(fd, &byte, 1) == 1 {
                if byte == UInt8(ascii: "\n") { return true }
                line.append(byte)
            }
            return false
        }
        let words = String(decoding: line, as: UTF8.self).split(separator: " ")
        guard ready, words.count == 4, let port = Int(words[1]), let control = Int(words[3]) else {
            process.terminate()
            throw TestClient.Failure("fake Stripe did not start: '\(String(decoding: line, as: UTF8.self))'")
        }
        self.port = port
        controlPort = control
    }

    deinit { stop() }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    private func control(_ method: String, _ path: String, _ json: String = "") throws -> [String: Any] {
        let client = try TestClient(port: controlPort, timeoutSeconds: 10)
        try client.send("\(method) \(path) HTTP/1.1\r\nHost: fake\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)")
        let response = try client.readResponse()
        guard response.status == 200, let object = response.object else { throw TestClient.Failure("\(path): \(response)") }
        return object
    }

    /// Queues faults (see fake_stripe.py): the next matching calls meet them in order.
    func inject(_ faults: String) throws { _ = try control("POST", "/_fake/faults", faults) }

    /// Forgets every idempotency key, as Stripe does after 24 hours.
    func forgetKeys() throws { _ = try control("POST", "/_fake/forget_keys") }

    /// Finishes 3-D Secure for an intent, as the buyer's bank page would.
    func authenticate(_ intentID: String, succeed: Bool = true) throws {
        _ = try control("POST", "/_fake/intents/\(intentID)/authenticate", "{\"succeed\":\(succeed)}")
    }

    struct Stats {
        let counters: [String: Int]
        /// Each API call as it arrived: method, path, idempotency_key, form, stripe_version, content_type.
        let log: [[String: Any]]
        subscript(_ name: String) -> Int { counters[name] ?? -1 }
        var keys: [String?] { log.map { $0["idempotency_key"] as? String } }
    }

    func stats() throws -> Stats {
        let object = try control("GET", "/_fake/stats")
        return Stats(counters: object.compactMapValues { $0 as? Int }, log: object["log"] as? [[String: Any]] ?? [])
    }
}
