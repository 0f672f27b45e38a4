import Glibc
import Logging
import MarqueeHTTP
import MarqueeLoop
import Synchronization

/// The composition root of the HTTP server: N shards, each a loop thread
/// with its own listener on the same port (SO_REUSEPORT), sharing only the
/// immutable router, the connection gate and this object.
public final class Server: @unchecked Sendable {
    // @unchecked: `shards` and `threads` are written only during `start`,
    // before any thread exists; afterwards they are read-only.
    public let config: ServerConfig
    public private(set) var port = 0
    /// The metrics listener's port, when `config.metricsAddress` is set.
    public private(set) var metricsPort: Int?
    let logger: Logger
    let connectionGate: ConnectionGate
    let startedNanos = SystemClock.monotonicNanoseconds()
    private(set) var shards: [LoopBound<Shard>] = []
    private var loops: [EventLoop] = []
    private var threads: [LoopThread] = []
    private let running = Atomic<Int>(0)
    private let stoppedHandlers = Lock<[@Sendable () -> Void]>([])

    private init(config: ServerConfig, logger: Logger) {
        self.config = config
        self.logger = logger
        connectionGate = ConnectionGate(limit: config.maxConnections)
    }

    /// Binds every shard and starts their threads. The router gets the
    /// system routes (`/healthz`, `/readyz`, `/metrics`) added.
    public static func start(config: ServerConfig, routes: Routes = Routes(),
                             logger: Logger = Logger(label: "marquee")) throws -> Server {
        // A peer that closes mid-write must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        let server = Server(config: config, logger: logger)
        var routes = routes
        SystemRoutes.add(to: &routes, server: server)
        let shardCount = max(1, config.shards)
        var port = config.port
        for index in 0..<shardCount {
            let loop = try EventLoop(index: index)
            let shard = Shard(index: index, loop: loop, config: config, routes: routes, logger: logger, server: server)
            do {
                // Shard 0 may be given port 0; the others then bind the port it got.
                port = try shard.listen(port: port)
                if index == 0, let metrics = config.metricsAddress {
                    server.metricsPort = try shard.listenForMetrics(host: metrics.host, port: metrics.port)
                }
            } catch {
                for started in server.loops { started.close() }
                throw error
            }
            server.loops.append(loop)
            server.shards.append(LoopBound(shard, loop: loop))
        }
        server.port = port
        server.running.store(shardCount, ordering: .relaxed)
        for loop in server.loops {
            server.threads.append(LoopThread(name: "marquee-shard-\(loop.index)") {
                loop.run()
                server.shardStopped()
            })
        }
        logger.info("listening", metadata: [
            "host": .string(config.host), "port": .stringConvertible(port), "shards": .stringConvertible(shardCount),
        ].merging(server.metricsPort.map { ["metrics_port": .stringConvertible($0)] } ?? [:]) { $1 })
        return server
    }

    /// Begins a graceful shutdown. Any thread; returns at once.
    public func shutdown() {
        logger.info("shutting down: draining connections")
        for shard in shards {
            shard.execute { $0.beginDrain() }
        }
    }

    /// Calls `handler` (on some shard's thread) once every shard has stopped.
    public func onStopped(_ handler: @escaping @Sendable () -> Void) {
        let runNow = stoppedHandlers.withLock { handlers -> Bool in
            if running.load(ordering: .acquiring) == 0 { return true }
            handlers.append(handler)
            return false
        }
        if runNow { handler() }
    }

    private func shardStopped() {
        // Acquiring-and-releasing: the last shard to stop sees every other's
        // writes before the handlers run.
        guard running.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
        let handlers = stoppedHandlers.withLock { handlers -> [@Sendable () -> Void] in
            let taken = handlers
            handlers.removeAll()
            return taken
        }
        for handler in handlers { handler() }
    }

    /// Waits for every shard thread, closes the loops, and returns how many
    /// libuv handles were left open (0 for a clean shutdown).
    @discardableResult
    public func waitUntilStopped() -> Int {
        for thread in threads { thread.join() }
        var leaked = 0
        for loop in loops { leaked += loop.close() }
        if leaked > 0 { logger.error("handles left open at shutdown", metadata: ["count": .stringConvertible(leaked)]) }
        logger.info("stopped")
        return leaked
    }

    /// Sums every shard's metrics, then calls `completion` on `loop`.
    func collectMetrics(replyOn loop: EventLoop, _ completion: @escaping (MetricsSnapshot) -> Void) {
        let total = Lock<(snapshot: MetricsSnapshot, remaining: Int)>((MetricsSnapshot(), shards.count))
        let reply = LoopBound(completion, loop: loop)
        for shard in shards {
            shard.execute { shard in
                let part = shard.metrics.snapshot(shard: shard.index)
                let done = total.withLock { state -> MetricsSnapshot? in
                    state.snapshot.merge(part)
                    state.remaining -= 1
                    return state.remaining == 0 ? state.snapshot : nil
                }
                if let done { reply.execute { $0(done) } }
            }
        }
    }

}
