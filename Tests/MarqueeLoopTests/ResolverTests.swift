import Dispatch
import Glibc
import MarqueeLoop
import MarqueeTestSupport
import Testing

/// Each test runs its own loop on the test's thread until its handles are
/// closed, then checks the loop closes with none left open. A watchdog
/// timer ends a test that would otherwise hang.
@Suite("Name resolution and connecting by name")
struct ResolverTests {
    @Test("IP literals are addresses, names are not")
    func literals() {
        #expect(SocketAddress(ipAddress: "127.0.0.1", port: 8080)?.description == "127.0.0.1:8080")
        #expect(SocketAddress(ipAddress: "::1", port: 443)?.description == "[::1]:443")
        #expect(SocketAddress(ipAddress: "::1", port: 443)?.isIPv6 == true)
        #expect(SocketAddress(ipAddress: "localhost", port: 80) == nil)
        #expect(SocketAddress(ipAddress: "127.0.0.1", port: 65_536) == nil)
    }

    @Test("localhost resolves to loopback, and a connection by name reaches a listener on 127.0.0.1")
    func localhost() throws {
        let loop = try EventLoop(index: 0)
        var accepted: [TCPConnection] = []
        let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { connection in
            accepted.append(connection)
            connection.write(Array("hello by name".utf8))
        }
        let port = listener.port
        var resolved: [String] = []
        var received: [UInt8] = []
        var client: TCPConnection?
        var watchdog: LoopTimer?
        func finish() {
            watchdog?.close()
            listener.close()
            client?.close()
            accepted.forEach { $0.close() }
            loop.allowExit()
        }
        watchdog = startWatchdog(loop, finish)
        Resolver.resolve(host: "localhost", port: port, on: loop) { result in
            resolved = ((try? result.get()) ?? []).map(\.description)
            TCPConnection.connect(loop: loop, host: "localhost", port: port) { result in
                guard case .success(let connection) = result else {
                    Issue.record("connect by name failed: \(result)")
                    return finish()
                }
                client = connection
                connection.onRead = { bytes in
                    received += bytes
                    if received.count >= 13 { finish() }
                }
                connection.startReading()
            }
        }
        loop.run()
        #expect(resolved.contains("127.0.0.1:\(port)"))
        #expect(resolved.allSatisfy { $0.hasPrefix("127.") || $0.hasPrefix("[::1]") })
        #expect(String(decoding: received, as: UTF8.self) == "hello by name")
        #expect(loop.close() == 0)
    }

    @Test("an unknown name fails with a typed error, for a lookup and for a connection")
    func unknownName() throws {
        let loop = try EventLoop(index: 0)
        var lookup: ResolveError?
        var connect: ConnectError?
        let watchdog = startWatchdog(loop) { loop.allowExit() }
        Resolver.resolve(host: "no-such-host.invalid", port: 443, on: loop) { result in
            if case .failure(let error) = result { lookup = error }
            TCPConnection.connect(loop: loop, host: "no-such-host.invalid", port: 443) { result in
                if case .failure(let error) = result { connect = error }
                watchdog.close()
                loop.allowExit()
            }
        }
        loop.run()
        let error = try #require(lookup)
        // NXDOMAIN with a resolver; EAI_AGAIN where no resolver answers.
        #expect([.unknownHost, .temporaryFailure].contains(error.kind), "\(error)")
        #expect(error.host == "no-such-host.invalid")
        guard case .resolution(let resolution)? = connect else {
            Issue.record("expected a resolution error, got \(String(describing: connect))")
            return
        }
        #expect(resolution.kind == error.kind)
        #expect(loop.close() == 0)
    }

    @Test("addresses are tried in order until one connects; the last one's error is reported")
    func fallback() throws {
        let loop = try EventLoop(index: 0)
        let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { $0.close() }
        // A port that was just listened on and is now closed refuses.
        let closed = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { $0.close() }
        let refused = try #require(SocketAddress(ipAddress: "127.0.0.1", port: closed.port))
        closed.close()
        let open = try #require(SocketAddress(ipAddress: "127.0.0.1", port: listener.port))
        var reachedSecond = false
        var onlyRefused: LoopError?
        let watchdog = startWatchdog(loop) {
            listener.close()
            loop.allowExit()
        }
        TCPConnection.connect(loop: loop, to: [refused, open]) { result in
            if case .success(let connection) = result {
                reachedSecond = true
                connection.close()
            }
            TCPConnection.connect(loop: loop, to: [refused]) { result in
                if case .failure(let error) = result { onlyRefused = error }
                watchdog.close()
                listener.close()
                loop.allowExit()
            }
        }
        loop.run()
        #expect(reachedSecond)
        #expect(onlyRefused?.name == "ECONNREFUSED")
        #expect(loop.close() == 0)
    }

    @Test("a lookup waits on the thread pool while the loop keeps firing timers")
    func offLoop() throws {
        let loop = try EventLoop(index: 0)
        // Hold every pool thread, so the lookup can only finish once they
        // are let go: until then the loop must go on running timers.
        let poolSize = getenv("UV_THREADPOOL_SIZE").flatMap { Int(String(cString: $0)) } ?? 4
        let holding = AtomicCounter()
        let release = DispatchSemaphore(value: 0)
        for _ in 0..<poolSize {
            loop.offload({
                holding.increment()
                release.wait()
            }, then: {})
        }
        var ticksWhileWaiting = 0
        var lookupStarted = false
        var resolved: Result<[SocketAddress], ResolveError>?
        let timer = LoopTimer(loop: loop)
        let watchdog = startWatchdog(loop) {
            timer.close()
            (0..<poolSize).forEach { _ in release.signal() }
            loop.allowExit()
        }
        timer.start(after: 1, repeat: 1) {
            if !lookupStarted {
                guard holding.value == poolSize else { return }  // every pool thread held
                lookupStarted = true
                Resolver.resolve(host: "localhost", port: 80, on: loop) { result in
                    resolved = result
                    // Let the pool go if the lookup came back without it.
                    if ticksWhileWaiting < 5 { (0..<poolSize).forEach { _ in release.signal() } }
                    watchdog.close()
                    timer.close()
                    loop.allowExit()
                }
            } else if resolved == nil {
                ticksWhileWaiting += 1
                if ticksWhileWaiting == 5 { (0..<poolSize).forEach { _ in release.signal() } }
            }
        }
        loop.run()
        #expect(ticksWhileWaiting >= 5)
        #expect(((try? resolved?.get()) ?? []).contains { $0.description == "127.0.0.1:80" })
        #expect(loop.close() == 0)
    }
}

/// Ends a test that would otherwise hang: after ten seconds, records an
/// issue and runs `stop`, which closes the test's handles.
private func startWatchdog(_ loop: EventLoop, _ stop: @escaping () -> Void) -> LoopTimer {
    let timer = LoopTimer(loop: loop)
    timer.start(after: 10_000) {
        Issue.record("timed out")
        timer.close()
        stop()
    }
    return timer
}
