import MarqueeLoop
@testable import MarqueeStore
import MarqueeTestSupport
import Testing

/// Creates a database for one test (dropped at the end) and returns its URL.
func withFreshDatabase(_ body: (String) throws -> Void) throws {
    let server = try #require(TestDatabase.serverURL, "TEST_DATABASE_URL must point at a PostgreSQL server (scripts/test.sh sets it)")
    let admin = try BlockingConnection(url: server)
    defer { admin.close() }
    let name = TestDatabase.uniqueName("store")
    try admin.execute("CREATE DATABASE \(name)")
    defer { _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    try body(try #require(TestDatabase.url(database: name)))
}

/// Runs `body` on a fresh loop's thread and keeps the loop alive until
/// `finish` is called; then checks the loop closed clean.
func runOnLoop(_ body: @escaping @Sendable (EventLoop, @escaping @Sendable () -> Void) -> Void) throws {
    let loop = try EventLoop(index: 0)
    let thread = LoopThread(name: "store-test") { loop.run() }
    loop.execute {
        body(loop) { loop.execute { loop.allowExit() } }
    }
    thread.join()
    #expect(loop.close() == 0, "loop closed with handles open")
}

/// Results handed from the loop thread to the test thread.
final class Box<Value>: @unchecked Sendable {
    private let lock = Lock<Value?>(nil)
    func set(_ value: Value) { lock.withLock { $0 = value } }
    var value: Value? { lock.withLock { $0 } }
}
