import ArgumentParser
import Logging
import MarqueeBooking
import MarqueeCatalog
import MarqueeServer
import MarqueeUsers

/// The configuration structs of `serve`, built from checked settings. Each
/// value was checked against its range in the table; what is left here is
/// a rule between two settings.
extension SettingValues {
    func logLevel() throws -> Logger.Level {
        // The table's choices are exactly Logger.Level's raw values.
        Logger.Level(rawValue: try text(.logLevel) ?? "info")!
    }

    func serverConfig() throws -> ServerConfig {
        var config = ServerConfig()
        config.host = try text(.host) ?? config.host
        config.port = try integer(.port)
        config.shards = try integer(.shards)
        config.databaseURL = try text(.databaseURL)
        config.maxConnections = try integer(.maxConnections)
        config.maxConnectionsPerAddress = try integer(.maxConnectionsPerAddress)
        config.limits.maxHeadBytes = try integer(.maxHeadBytes)
        config.limits.maxHeaderCount = try integer(.maxHeaders)
        config.limits.maxBodyBytes = try integer(.maxBodyBytes)
        config.headerTimeoutMilliseconds = UInt64(try integer(.headerTimeoutMs))
        config.requestTimeoutMilliseconds = UInt64(try integer(.requestTimeoutMs))
        config.idleTimeoutMilliseconds = UInt64(try integer(.idleTimeoutMs))
        config.drainTimeoutMilliseconds = UInt64(try integer(.drainTimeoutMs))
        if let address = try text(.metricsAddress) {
            guard let parsed = Self.hostAndPort(address) else {
                let setting = Setting.metricsAddress.definition
                throw ConfigurationError("\(setting.name) (\(setting.variable)) must be host:port, e.g. 0.0.0.0:9090, got \(address)")
            }
            config.metricsAddress = parsed
        }
        do {
            config.trustedProxies = try TrustedProxies(parsing: try text(.trustedProxies) ?? "")
        } catch {
            let setting = Setting.trustedProxies.definition
            throw ConfigurationError("\(setting.name) (\(setting.variable)): \(error)")
        }
        return config
    }

    /// `host:port`, or `[ipv6]:port`; nil when either part is missing.
    static func hostAndPort(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    func cleanupConfig(rules: [TableCleanup.Rule]) throws -> TableCleanup.Config {
        var config = TableCleanup.Config(rules: rules)
        config.intervalMilliseconds = UInt64(try integer(.cleanupIntervalMs))
        return config
    }

    func tokenSigner() throws -> TokenSigner {
        let secret = try TokenSecret.load(from: self)
        try PublishedSecrets.refuse(secret)
        return TokenSigner(secret: secret, lifetimeSeconds: Int64(try integer(.tokenTTLSeconds)))
    }

    func catalogConfig(signer: TokenSigner) throws -> CatalogConfig {
        var config = CatalogConfig()
        config.adminToken = try text(.adminToken)
        config.tokenSigner = signer
        return config
    }

    func usersConfig(signer: TokenSigner, shards: Int) throws -> UsersConfig {
        var config = UsersConfig(signer: signer, shards: shards)
        config.loginAttemptsPerEmail = try integer(.loginLimitPerEmail)
        config.loginAttemptsPerAddress = try integer(.loginLimitPerAddress)
        config.loginAttemptsPerEmailAndAddress = try integer(.loginLimitPerEmailAndAddress)
        config.signUpsPerAddress = try integer(.signUpLimitPerAddress)
        config.maxQueuedLogins = try integer(.hashQueueLogins)
        config.maxQueuedSignUps = try integer(.hashQueueSignUps)
        return config
    }

    func bookingConfig(signer: TokenSigner, catalog: CatalogConfig) throws -> BookingConfig {
        var config = BookingConfig(signer: signer, catalog: catalog)
        config.holdTTLSeconds = UInt32(try integer(.holdTTLSeconds))
        config.maxSeatsPerHold = try integer(.maxSeatsPerHold)
        config.maxHoldsPerUserPerShowtime = try integer(.maxHoldsPerShowtime)
        config.maxHoldsPerUser = try integer(.maxHoldsPerUser)
        guard config.maxHoldsPerUser >= config.maxHoldsPerUserPerShowtime else {
            let user = Setting.maxHoldsPerUser.definition, showtime = Setting.maxHoldsPerShowtime.definition
            throw ConfigurationError("\(user.name) (\(user.variable)) must be at least \(showtime.name) (\(showtime.variable)): "
                + "\(config.maxHoldsPerUser) < \(config.maxHoldsPerUserPerShowtime)")
        }
        config.paymentLatencyMilliseconds = UInt64(try integer(.paymentLatencyMs))
        config.paymentWindowSeconds = UInt32(try integer(.paymentWindowSeconds))
        config.cancelCutoffMinutes = try integer(.bookingCancelCutoffMinutes)
        config.stripeWebhookSecret = try text(.stripeWebhookSecret).map { Array($0.utf8) }
        config.maxWatchers = try integer(.liveMaxWatchers)
        config.maxWatchersPerAddress = try integer(.liveMaxWatchersPerAddress)
        config.liveCoalesceMilliseconds = UInt64(try integer(.liveCoalesceMs))
        config.liveGroups = try integer(.liveGroups)
        config.liveGroupSize = try integer(.liveGroupSize)
        config.webSocketEcho = try toggle(.websocketEcho)
        config.leaseSeconds = try integer(.leaseSeconds)
        config.instanceAddress = try text(.instanceAddress) ?? "\(try text(.host) ?? "0.0.0.0"):\(try integer(.port))"
        return config
    }
}

/// `migrate`, `seed` and `admin create` declare `--database-url` themselves
/// (swift-argument-parser options) and read it through the table.
extension SettingValues {
    static var databaseURLHelp: ArgumentHelp {
        ArgumentHelp("PostgreSQL URL (env \(Setting.databaseURL.definition.variable)).")
    }

    static func databaseURL(flag: String?, for command: String) throws -> String {
        guard let url = try SettingValues(flags: flag.map { [.databaseURL: $0] } ?? [:]).text(.databaseURL) else {
            throw ConfigurationError("\(command) needs --database-url or \(Setting.databaseURL.definition.variable)")
        }
        return url
    }
}
