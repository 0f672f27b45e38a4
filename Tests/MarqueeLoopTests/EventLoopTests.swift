import Glibc
import MarqueeLoop
import MarqueeTestSupport
import Synchronization
import Testing

@Suite("Event loop")
struct EventLoopTests {
    @Test("jobs sent from many threads all run, on the loop's own thread, and the loop closes clean")
    func crossThreadJobs() throws {
        let loop = try EventLoop(index: 0)
        let ran = AtomicCounter()
        let offLoop = AtomicCounter()
        let thread = LoopThread(name: "test-loop") { loop.run() }
        let senders = (0..<4).map { _ in
            LoopThread(name: "test-sender") {
                for _ in 0..<10_000 {
                    loop.execute {
                        if !loop.isInLoop { offLoop.increment() }
                        ran.increment()
                    }
                }
            }
        }
        senders.forEach { $0.join() }
        let finished = AtomicCounter()
        loop.execute {
            finished.increment()
            loop.allowExit()
        }
        thread.join()
        #expect(finished.value == 1)
        #expect(ran.value == 40_000)
        #expect(offLoop.value == 0)
        #expect(loop.close() == 0)
    }

    @Test("a repeating timer fires on its loop until closed, leaving no handle")
    func timer() throws {
        let loop = try EventLoop(index: 0)
        let timer = LoopTimer(loop: loop)
        var fired = 0
        timer.start(after: 1, repeat: 1) {
            fired += 1
            if fired == 5 {
                timer.close()
                loop.allowExit()
            }
        }
        loop.run()
        #expect(fired == 5)
        #expect(loop.close() == 0)
    }

    @Test("a listener accepts, the connection echoes, and everything closes with no handle left")
    func echo() throws {
        let loop = try EventLoop(index: 0)
        var open: [TCPConnection] = []
        let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { connection in
            open.append(connection)
            connection.onRead = { bytes in connection.write(bytes) }
            connection.onReadEnd = { _ in connection.close() }
            connection.startReading()
        }
        let port = listener.port
        #expect(port > 0)
        let state = LoopBound((listener: listener, connections: { open }), loop: loop)
        let thread = LoopThread(name: "test-echo") { loop.run() }

        let client = try TestClient(port: port)
        try client.send("ping over libuv")
        let second = try TestClient(port: port)
        try second.send("second")
        #expect(String(decoding: try readExactly(second, count: 6), as: UTF8.self) == "second")
        // Read the echo straight off the socket.
        let received = try readExactly(client, count: 15)
        #expect(String(decoding: received, as: UTF8.self) == "ping over libuv")

        state.execute { state in
            state.listener.close()
            state.connections().forEach { $0.close() }
            loop.allowExit()
        }
        thread.join()
        #expect(loop.close() == 0)
    }

    @Test("two listeners share a port through SO_REUSEPORT")
    func reusePort() throws {
        let loop = try EventLoop(index: 0)
        let first = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { $0.close() }
        let second = try TCPListener(loop: loop, host: "127.0.0.1", port: first.port) { $0.close() }
        #expect(first.port == second.port)
        first.close()
        second.close()
        uv_run_once_to_close(loop)
        #expect(loop.close() == 0)
    }

    @Test("binding an address that is not local fails with a clear error")
    func bindFailure() throws {
        let loop = try EventLoop(index: 0)
        #expect(throws: LoopError.self) {
            _ = try TCPListener(loop: loop, host: "not-an-address", port: 0) { _ in }
        }
        loop.allowExit()
        loop.run()
        #expect(loop.close() == 0)
    }
}

/// Lets pending close callbacks run on a loop that is not running yet.
func uv_run_once_to_close(_ loop: EventLoop) {
    loop.allowExit()
    loop.run()
}

func readExactly(_ client: TestClient, count: Int) throws -> [UInt8] {
    try client.readRaw(count: count)
}
