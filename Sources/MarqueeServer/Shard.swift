import Logging
import MarqueeHTTP
import MarqueeLoop
import MarqueeStore

/// One shard: a loop thread's listener, connections, metrics and timers.
/// Everything here runs on `loop`; other threads reach it through
/// `LoopBound<Shard>.execute`.
final class Shard {
    let index: Int
    let loop: EventLoop
    let config: ServerConfig
    let routes: Routes
    var router: Router { routes.router }
    let logger: Logger
    let metrics: ShardMetrics
    /// This shard's own database connection (nil without a database).
    let database: PostgresConnection?
    let cache = ResponseCache()
    /// Per-shard state of features built on the server (see ShardAccess),
    /// by type: a handful, so a scan of pointers beats hashing the key.
    var locals: [(type: ObjectIdentifier, object: AnyObject)] = []
    var finishHandlers: [() -> Void] = []
    /// Run at shutdown before the finish handlers, with a callback for when
    /// their queued writes are done (see ShardAccess.onShutdownWriteBack).
    var writeBackHandlers: [(@escaping () -> Void) -> Void] = []
    /// NOTIFY channels listened to (the response cache's among them), and
    /// what runs on each (re)connect: notifications may have been missed.
    private var notificationHandlers: [String: [(String) -> Void]] = [:]
    private var readyHandlers: [() -> Void] = []
    // unowned(unsafe): the server outlives its shards by construction.
    unowned(unsafe) let server: Server
    private var listener: TCPListener?
    private var metricsListener: TCPListener?
    /// With a metrics address, `/metrics` answers only there, and only the
    /// system routes answer there.
    private lazy var metricsRoute = Self.routeID(router, "/metrics")
    private lazy var systemRoutes = Set(["/healthz", "/readyz", "/metrics"].compactMap { Self.routeID(router, $0) })

    private static func routeID(_ router: Router, _ path: String) -> RouteID? {
        guard case .found(_, _, let id) = router.match(.GET, path: path[...]) else { return nil }
        return id
    }
    private var connections: [Int: HTTPConnection] = [:]
    /// Each open connection's peer address, for the per-address gate.
    private var connectionAddresses: [Int: String] = [:]
    private var nextConnectionID = 0
    private var requestCounter: UInt64 = 0
    private var sweepTimer: LoopTimer?
    private var drainTimer: LoopTimer?
    private(set) var isDraining = false
    private var finished = false
    private var cachedDateSecond = -1
    private var cachedDate: [UInt8] = []
    /// permessage-deflate compressors, by window bits: messages are
    /// compressed each on its own, so one serves all of this shard's sockets.
    private var deflaters: [Int: WebSocketDeflater] = [:]

    func deflater(windowBits: Int) -> WebSocketDeflater {
        if let deflater = deflaters[windowBits] { return deflater }
        let deflater = WebSocketDeflater(windowBits: windowBits)
        deflaters[windowBits] = deflater
        return deflater
    }

    init(index: Int, loop: EventLoop, config: ServerConfig, routes: Routes,
         logger: Logger, server: Server) {
        self.index = index
        self.loop = loop
        self.config = config
        self.routes = routes
        self.server = server
        metrics = ShardMetrics(patterns: routes.router.patterns)
        database = config.databaseURL.map { PostgresConnection(loop: loop, url: $0, logger: logger, maxQueued: config.databaseQueueLimit) }
        var logger = logger
        logger[metadataKey: "shard"] = .stringConvertible(index)
        self.logger = logger
        if let database {
            database.onReady = { [unowned database, unowned(unsafe) self] in
                for channel in self.notificationHandlers.keys { database.query("LISTEN \(channel)") { _ in } }
                for handler in self.readyHandlers { handler() }
            }
            database.onNotification = { [unowned(unsafe) self] channel, payload in
                for handler in self.notificationHandlers[channel] ?? [] { handler(payload) }
            }
        }
        // The catalog changed somewhere, or changes may have been missed: drop cached reads.
        let cache = self.cache
        listen(ResponseCache.channel, ready: { cache.invalidateAll() }) { _ in cache.invalidateAll() }
    }

    /// Runs `handler` with each NOTIFY payload on `channel` (a plain
    /// identifier), and `ready` now if connected and after every (re)connect.
    func listen(_ channel: String, ready: @escaping () -> Void, _ handler: @escaping (String) -> Void) {
        let first = notificationHandlers[channel] == nil
        notificationHandlers[channel, default: []].append(handler)
        readyHandlers.append(ready)
        if let database, database.isReady {
            if first { database.query("LISTEN \(channel)") { _ in } }
            ready()
        }
    }

    /// Binds the shard's listener; before the loop runs, from the starting thread.
    func listen(port: Int) throws -> Int {
        let listener = try TCPListener(loop: loop, host: config.host, port: port) { [unowned self] tcp in
            self.accept(tcp)
        }
        self.listener = listener
        let timer = LoopTimer(loop: loop)
        timer.start(after: config.sweepIntervalMilliseconds, repeat: config.sweepIntervalMilliseconds) { [unowned self] in
            self.sweep()
        }
        sweepTimer = timer
        database?.connect()
        return listener.port
    }

    /// Binds the metrics listener (one shard is enough: `/metrics` sums
    /// every shard); before the loop runs.
    func listenForMetrics(host: String, port: Int) throws -> Int {
        let listener = try TCPListener(loop: loop, host: host, port: port) { [unowned self] tcp in
            self.accept(tcp, onMetricsListener: true)
        }
        metricsListener = listener
        return listener.port
    }

    func listenerServes(_ route: RouteID, metricsListener: Bool) -> Bool {
        guard config.metricsAddress != nil else { return true }
        return metricsListener ? systemRoutes.contains(route) : route != metricsRoute
    }

    private func accept(_ tcp: TCPConnection, onMetricsListener: Bool = false) {
        guard server.connectionGate.tryEnter() else {
            return refuse(tcp, code: "too_many_connections", message: "The server is at its connection limit; retry shortly.")
        }
        let address = tcp.peerAddress ?? ""
        guard server.addressGate.tryEnter(address) else {
            server.connectionGate.leave()
            return refuse(tcp, code: "too_many_connections_from_address",
                          message: "Your address has too many open connections; close some or retry shortly.")
        }
        metrics.acceptedConnections += 1
        metrics.openConnections += 1
        nextConnectionID += 1
        let connection = HTTPConnection(id: nextConnectionID, shard: self, tcp: tcp, onMetricsListener: onMetricsListener)
        connections[connection.id] = connection
        connectionAddresses[connection.id] = address
    }

    /// Answers 503 with `Retry-After` and closes a connection not taken.
    private func refuse(_ tcp: TCPConnection, code: String, message: String) {
        metrics.refusedConnections += 1
        var bytes: [UInt8] = []
        HTTPResponseEncoder.encode(
            .error(APIError(.serviceUnavailable, code: code, message: message, headers: [.init(name: "Retry-After", value: "1")])),
            into: &bytes, date: dateBytes(), version: .http1_1, keepAlive: false)
        tcp.write(bytes)
        tcp.closeAfterWrites()
    }

    func connectionClosed(_ connection: HTTPConnection) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        metrics.openConnections -= 1
        server.connectionGate.leave()
        if let address = connectionAddresses.removeValue(forKey: connection.id) { server.addressGate.leave(address) }
        if isDraining && connections.isEmpty { finish() }
    }

    private func sweep() {
        let now = loop.now
        for connection in Array(connections.values) { connection.sweep(now: now) }
    }

    // MARK: Per-response helpers

    /// The `Date` header value, formatted once per second.
    func dateBytes() -> [UInt8] {
        let second = Int(config.clock.wallSeconds())
        if second != cachedDateSecond {
            cachedDateSecond = second
            cachedDate = Array(HTTPDate.imfFixdate(unixSeconds: second).utf8)
        }
        return cachedDate
    }

    func nextRequestID() -> String {
        requestCounter &+= 1
        // Shard and per-shard counter in hex, e.g. "1-3fa9": unique in the
        // process, built without allocating (short strings are stored inline).
        var digits = 1
        while digits < 16 && requestCounter >> (4 * UInt64(digits)) != 0 { digits += 1 }
        let shardDigits = index < 10 ? 1 : (index < 100 ? 2 : 3)
        return String(unsafeUninitializedCapacity: shardDigits + 1 + digits) { out in
            var shard = index
            for position in stride(from: shardDigits - 1, through: 0, by: -1) {
                out[position] = UInt8(48 + shard % 10)
                shard /= 10
            }
            out[shardDigits] = UInt8(ascii: "-")
            let hex: StaticString = "0123456789abcdef"
            for position in 0..<digits {
                let nibble = Int((requestCounter >> (4 * UInt64(digits - 1 - position))) & 0xf)
                out[shardDigits + 1 + position] = hex.utf8Start[nibble]
            }
            return shardDigits + 1 + digits
        }
    }

    /// The client's `X-Request-Id` when it is short and plain, else a new one.
    func requestID(for head: HTTPRequestHead) -> String {
        if let given = head.headers["x-request-id"], !given.isEmpty, given.utf8.count <= 64,
           given.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || $0 == 45 || $0 == 95 || $0 == 46 }) {
            return given
        }
        return nextRequestID()
    }

    // MARK: Shutdown

    /// Stops accepting, lets in-flight requests finish (bounded by the drain
    /// timeout), then closes every handle so the loop ends.
    func beginDrain() {
        guard !isDraining else { return }
        isDraining = true
        listener?.close()
        listener = nil
        metricsListener?.close()
        metricsListener = nil
        for connection in Array(connections.values) { connection.beginDrain() }
        if connections.isEmpty {
            finish()
            return
        }
        let timer = LoopTimer(loop: loop)
        timer.start(after: config.drainTimeoutMilliseconds) { [unowned self] in
            self.logger.warning("drain timeout: closing connections with requests in flight",
                                metadata: ["connections": .stringConvertible(self.connections.count)])
            for connection in Array(self.connections.values) { connection.tcp.close() }
        }
        drainTimer = timer
    }

    /// The connections are gone: lets the last writes land (each
    /// `writeBackHandlers` entry calls back when its data is written, bounded
    /// by the drain timeout), then closes everything so the loop ends.
    private func finish() {
        guard !finished else { return }
        finished = true
        sweepTimer?.close()
        sweepTimer = nil
        drainTimer?.close()
        drainTimer = nil
        let writers = writeBackHandlers
        writeBackHandlers = []
        guard !writers.isEmpty else { return closeDown() }
        var remaining = writers.count
        var closed = false
        let timer = LoopTimer(loop: loop)
        let closeOnce = { [unowned self] in
            guard !closed else { return }
            closed = true
            timer.close()
            closeDown()
        }
        timer.start(after: config.drainTimeoutMilliseconds) { [unowned self] in
            logger.warning("shutdown: writes still pending at the drain timeout")
            closeOnce()
        }
        for writer in writers {
            writer {
                remaining -= 1
                if remaining == 0 { closeOnce() }
            }
        }
    }

    private func closeDown() {
        let handlers = finishHandlers
        finishHandlers = []
        for handler in handlers { handler() }
        database?.close()
        loop.allowExit()
    }
}
