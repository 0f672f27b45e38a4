import Foundation
import MarqueeLoop
@testable import MarqueeStore
import MarqueeTestSupport
import Testing

/// A real PostgreSQL restart, on a private cluster of this test's own (the
/// shared test cluster keeps serving the other suites).
@Suite("PostgreSQL restart", .serialized)
struct PostgresRestartTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs scripts/postgres.sh with the given command on the private cluster.
    /// Through system(3), which waits with waitpid: Foundation's Process
    /// never saw this child exit here (pg_ctl leaves a daemon behind).
    static func cluster(_ command: String, directory: String, port: Int) throws {
        let script = root.appendingPathComponent("scripts/postgres.sh").path
        let status = system("PGPORT=\(port) PGDATABASE=restart bash '\(script)' \(command) '\(directory)' >/dev/null 2>&1")
        guard status == 0 else { throw TestClient.Failure("postgres.sh \(command) failed with status \(status)") }
    }

    /// A port nothing listens on now (bound to 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw TestClient.Failure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test("a query in flight when PostgreSQL restarts fails as unavailable; the connection comes back by itself")
    func restart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("marquee-pg-restart-\(getpid())").path
        let port = try Self.freePort()
        try Self.cluster("start", directory: directory, port: port)
        let url = "postgresql://postgres@127.0.0.1:\(port)/restart?sslmode=disable"
        defer {
            _ = try? Self.cluster("stop", directory: directory, port: port)
            try? FileManager.default.removeItem(atPath: directory)
        }
        let outcome = Box<(during: PostgresError?, after: String?)>()
        try runOnLoop { loop, finish in
            let connection = PostgresConnection(loop: loop, url: url)
            connection.connect()
            connection.query("SELECT 1") { _ in
                connection.query("SELECT pg_sleep(30)") { result in
                    let during: PostgresError? = if case .failure(let error) = result { error } else { nil }
                    func retry(_ attempts: Int) {
                        connection.query("SELECT 'back'") { again in
                            if case .success(let rows) = again {
                                outcome.set((during, rows.scalar))
                                connection.close()
                                finish()
                            } else if attempts == 0 {
                                outcome.set((during, nil))
                                connection.close()
                                finish()
                            } else {
                                let timer = LoopTimer(loop: loop)
                                timer.start(after: 100) {
                                    timer.close()
                                    retry(attempts - 1)
                                }
                            }
                        }
                    }
                    retry(150)
                }
                // Restart the server under the sleeping query, off the loop.
                LoopThread(name: "restarter") {
                    _ = try? Self.cluster("stop", directory: directory, port: port)
                    _ = try? Self.cluster("start", directory: directory, port: port)
                }
            }
        }
        let result = try #require(outcome.value)
        #expect(result.during?.isUnavailable == true, "got \(String(describing: result.during))")
        #expect(result.after == "back")
    }
}
