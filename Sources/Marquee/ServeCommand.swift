import ArgumentParser
import Glibc
import Logging
import MarqueeBooking
import MarqueeCatalog
import MarqueeHTTP
import MarqueeLoop
import MarqueeServer
import MarqueeStore
import MarqueeUsers

/// `marquee serve`: runs the HTTP server until SIGINT or SIGTERM, then
/// drains in-flight requests and exits 0.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP server (SIGINT/SIGTERM drain it and exit).")

    @Option(help: "Address to listen on (env HOST).") var host: String?
    @Option(help: "Port; 0 picks a free one and logs it (env PORT).") var port: Int?
    @Option(help: "Shard threads, one event loop each; default: cores (env SHARDS).") var shards: Int?
    @Option(help: "trace, debug, info, notice, warning, error, critical (env LOG_LEVEL).") var logLevel: String?
    @Option(help: "Open connections over all shards (env MAX_CONNECTIONS).") var maxConnections: Int?
    @Option(help: "Request line plus headers, bytes (env MAX_HEAD_BYTES).") var maxHeadBytes: Int?
    @Option(help: "Header fields per request (env MAX_HEADERS).") var maxHeaders: Int?
    @Option(help: "Request body bytes (env MAX_BODY_BYTES).") var maxBodyBytes: Int?
    @Option(help: "Milliseconds for a request's head to arrive (env HEADER_TIMEOUT_MS).") var headerTimeoutMs: Int?
    @Option(help: "Milliseconds an idle keep-alive connection stays open (env IDLE_TIMEOUT_MS).") var idleTimeoutMs: Int?
    @Option(help: "Milliseconds shutdown waits for in-flight requests (env DRAIN_TIMEOUT_MS).") var drainTimeoutMs: Int?
    @Option(help: "PostgreSQL URL; migrations run at start (env DATABASE_URL).") var databaseURL: String?
    @Option(help: "Seconds a hold lasts (env HOLD_TTL_SECONDS, default 600).") var holdTtlSeconds: Int?
    @Option(help: "Seats in one hold (env MAX_SEATS_PER_HOLD, default 10).") var maxSeatsPerHold: Int?
    @Option(help: "Live holds per user per showtime; past it a new hold replaces the oldest (env MAX_HOLDS_PER_SHOWTIME, default 1).")
    var maxHoldsPerShowtime: Int?
    @Option(help: "Live holds per user over all showtimes (env MAX_HOLDS_PER_USER, default 4).") var maxHoldsPerUser: Int?
    @Option(help: "Mock payment provider latency, ms (env PAYMENT_LATENCY_MS, default 0).") var paymentLatencyMs: Int?
    @Option(help: "Live seat-map watchers in total (env LIVE_MAX_WATCHERS, default 20000).") var liveMaxWatchers: Int?
    @Option(help: "Live seat-map watchers per client address (env LIVE_MAX_WATCHERS_PER_ADDRESS, default 200).")
    var liveMaxWatchersPerAddress: Int?
    @Flag(help: "Serve GET /v1/ws-echo, a WebSocket echo for conformance suites (env WEBSOCKET_ECHO=1).") var websocketEcho = false

    func run() throws {
        let level = try Self.level(logLevel ?? Environment.string("LOG_LEVEL") ?? "info")
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: "marquee")
        let config = try makeConfig()
        if let url = config.databaseURL {
            let applied = try Migrator.migrate(url: url)
            logger.info("database migrated", metadata: ["applied": .array(applied.map { .stringConvertible($0) })])
        } else {
            logger.warning("no DATABASE_URL: serving without a database")
        }
        let signer = TokenSigner(secret: try TokenSecret.load(),
                                 lifetimeSeconds: Int64(try Environment.integer("TOKEN_TTL_SECONDS") ?? 3_600))
        var catalog = CatalogConfig()
        catalog.adminToken = Environment.string("ADMIN_TOKEN")
        catalog.tokenSigner = signer
        var routes = Routes()
        var users = UsersConfig(signer: signer, shards: config.shards)
        users.loginAttemptsPerEmail = try Environment.integer("LOGIN_LIMIT_PER_EMAIL") ?? users.loginAttemptsPerEmail
        users.loginAttemptsPerAddress = try Environment.integer("LOGIN_LIMIT_PER_ADDRESS") ?? users.loginAttemptsPerAddress
        UserRoutes.add(to: &routes, config: users)
        CatalogRoutes.add(to: &routes, config: catalog)
        BookingRoutes.add(to: &routes, engine: SeatEngine(config: try bookingConfig(signer: signer, catalog: catalog)))
        try ServerProcess.run(config: config, routes: routes, logger: logger)
    }

    func makeConfig() throws -> ServerConfig {
        var config = ServerConfig()
        config.host = host ?? Environment.string("HOST") ?? config.host
        config.databaseURL = databaseURL ?? Environment.string("DATABASE_URL")
        config.port = try port ?? Environment.integer("PORT") ?? config.port
        config.shards = try shards ?? Environment.integer("SHARDS") ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        config.maxConnections = try maxConnections ?? Environment.integer("MAX_CONNECTIONS") ?? config.maxConnections
        config.limits.maxHeadBytes = try maxHeadBytes ?? Environment.integer("MAX_HEAD_BYTES") ?? config.limits.maxHeadBytes
        config.limits.maxHeaderCount = try maxHeaders ?? Environment.integer("MAX_HEADERS") ?? config.limits.maxHeaderCount
        config.limits.maxBodyBytes = try maxBodyBytes ?? Environment.integer("MAX_BODY_BYTES") ?? config.limits.maxBodyBytes
        if let value = try headerTimeoutMs ?? Environment.integer("HEADER_TIMEOUT_MS") { config.headerTimeoutMilliseconds = UInt64(value) }
        if let value = try idleTimeoutMs ?? Environment.integer("IDLE_TIMEOUT_MS") { config.idleTimeoutMilliseconds = UInt64(value) }
        if let value = try drainTimeoutMs ?? Environment.integer("DRAIN_TIMEOUT_MS") { config.drainTimeoutMilliseconds = UInt64(value) }
        guard (0...65_535).contains(config.port) else { throw ConfigurationError("port must be 0...65535") }
        guard (1...256).contains(config.shards) else { throw ConfigurationError("shards must be 1...256") }
        guard config.maxConnections > 0, config.limits.maxHeadBytes >= 256, config.limits.maxHeaderCount > 0,
              config.limits.maxBodyBytes >= 0, config.headerTimeoutMilliseconds > 0, config.idleTimeoutMilliseconds > 0
        else { throw ConfigurationError("limits and timeouts must be positive (max-head-bytes at least 256)") }
        return config
    }

    func bookingConfig(signer: TokenSigner, catalog: CatalogConfig) throws -> BookingConfig {
        var config = BookingConfig(signer: signer, catalog: catalog)
        let ttl = try holdTtlSeconds ?? Environment.integer("HOLD_TTL_SECONDS") ?? Int(config.holdTTLSeconds)
        guard (1...86_400).contains(ttl) else { throw ConfigurationError("hold-ttl-seconds must be 1...86400") }
        config.holdTTLSeconds = UInt32(ttl)
        config.maxSeatsPerHold = try maxSeatsPerHold ?? Environment.integer("MAX_SEATS_PER_HOLD") ?? config.maxSeatsPerHold
        config.maxHoldsPerUserPerShowtime = try maxHoldsPerShowtime ?? Environment.integer("MAX_HOLDS_PER_SHOWTIME")
            ?? config.maxHoldsPerUserPerShowtime
        config.maxHoldsPerUser = try maxHoldsPerUser ?? Environment.integer("MAX_HOLDS_PER_USER") ?? config.maxHoldsPerUser
        let latency = try paymentLatencyMs ?? Environment.integer("PAYMENT_LATENCY_MS") ?? 0
        guard (1...100).contains(config.maxSeatsPerHold), config.maxHoldsPerUserPerShowtime >= 1,
              config.maxHoldsPerUser >= config.maxHoldsPerUserPerShowtime, (0...60_000).contains(latency) else {
            throw ConfigurationError("hold limits must be positive (seats per hold 1...100, per user at least per showtime), latency 0...60000 ms")
        }
        config.paymentLatencyMilliseconds = UInt64(latency)
        config.maxWatchers = try liveMaxWatchers ?? Environment.integer("LIVE_MAX_WATCHERS") ?? config.maxWatchers
        config.maxWatchersPerAddress = try liveMaxWatchersPerAddress ?? Environment.integer("LIVE_MAX_WATCHERS_PER_ADDRESS")
            ?? config.maxWatchersPerAddress
        guard config.maxWatchers > 0, config.maxWatchersPerAddress > 0 else { throw ConfigurationError("watcher limits must be positive") }
        config.webSocketEcho = websocketEcho || Environment.string("WEBSOCKET_ECHO") == "1"
        if let window = try Environment.integer("LIVE_COALESCE_MS") {
            guard (0...1_000).contains(window) else { throw ConfigurationError("LIVE_COALESCE_MS must be 0...1000") }
            config.liveCoalesceMilliseconds = UInt64(window)
        }
        if let groups = try Environment.integer("LIVE_GROUPS") {
            guard (1...64).contains(groups) else { throw ConfigurationError("LIVE_GROUPS must be 1...64") }
            config.liveGroups = groups
        }
        if let size = try Environment.integer("LIVE_GROUP_SIZE") {
            guard (1...100_000).contains(size) else { throw ConfigurationError("LIVE_GROUP_SIZE must be 1...100000") }
            config.liveGroupSize = size
        }
        return config
    }

    static func level(_ text: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError("unknown log level '\(text)'")
        }
        return level
    }
}
