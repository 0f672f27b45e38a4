import Glibc
import MarqueeBooking
import MarqueeCatalog
import MarqueeServer
import MarqueeStripe
import MarqueeUsers

/// Every setting of the `marquee` binary, in the order help and the README
/// list them. `definition` is the one table: adding a case without a row
/// does not compile.
///
/// Not `apple/swift-configuration`: its readers would replace only the
/// `getenv` and integer parsing below. Flags must be known to
/// swift-argument-parser at compile time while this table is a value, and
/// its `CommandLineArgumentsProvider` generates no help and accepts
/// misspelled flags; its non-throwing getters fall back to the default on a
/// malformed value, where `serve` refuses to start. It would also add
/// swift-system, swift-collections, swift-service-lifecycle and
/// swift-async-algorithms to the resolved packages of a binary that ships.
enum Setting: CaseIterable, Sendable {
    case host, port, shards, logLevel, trustedProxies, metricsAddress, instanceAddress, leaseSeconds
    case maxConnections, maxConnectionsPerAddress, maxHeadBytes, maxHeaders, maxBodyBytes, headerTimeoutMs, requestTimeoutMs, idleTimeoutMs, drainTimeoutMs
    case databaseURL, cleanupIntervalMs, dataDir, jwtSecret, tokenTTLSeconds, loginLimitPerAddress, loginLimitPerEmailAndAddress, loginLimitPerEmail
    case signUpLimitPerAddress, hashQueueLogins, hashQueueSignUps
    case adminToken, adminPassword
    case holdTTLSeconds, maxSeatsPerHold, maxHoldsPerShowtime, maxHoldsPerUser, paymentLatencyMs
    case paymentWindowSeconds, bookingCancelCutoffMinutes
    case paymentProvider, stripeSecretKey, stripeWebhookSecret, stripeAPIBase, stripeCAFile, allowLivePayments
    case liveMaxWatchers, liveMaxWatchersPerAddress, liveCoalesceMs, liveGroups, liveGroupSize, websocketEcho

    var definition: SettingDefinition {
        let unbounded = Int.max
        switch self {
        case .host:
            return .init(name: "host", variable: "HOST", kind: .text, defaultValue: .value(Defaults.server.host),
                         help: "Address to listen on.")
        case .port:
            return .init(name: "port", variable: "PORT", kind: .integer(0...65_535), defaultValue: .value(String(Defaults.server.port)),
                         help: "Port to listen on; 0 picks a free one and logs it.")
        case .shards:
            return .init(name: "shards", variable: "SHARDS", kind: .integer(1...256),
                         defaultValue: .derived("the CPU quota (cgroup cpu.max), else cores online", { String(CPUQuota.shards()) }),
                         help: "Shard threads, one event loop each.")
        case .logLevel:
            return .init(name: "log-level", variable: "LOG_LEVEL",
                         kind: .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]),
                         defaultValue: .value("info"), help: "Lowest level of the JSON log lines written to standard error.")
        case .trustedProxies:
            return .init(name: "trusted-proxies", variable: "TRUSTED_PROXIES", kind: .text,
                         defaultValue: .none("none (X-Forwarded-For is ignored)"),
                         help: "Addresses or CIDR ranges, comma-separated, whose X-Forwarded-For names the client for limits and logs.")
        case .metricsAddress:
            return .init(name: "metrics-address", variable: "METRICS_ADDRESS", kind: .text,
                         defaultValue: .none("none (/metrics on the public listener)"),
                         help: "host:port of a separate listener for /metrics (with /healthz and /readyz), off the public port.")
        case .instanceAddress:
            return .init(name: "instance-address", variable: "INSTANCE_ADDRESS", kind: .text,
                         defaultValue: .none("HOST:PORT"),
                         help: "host:port where other instances and the proxy reach this one; recorded with its showtime leases.")
        case .leaseSeconds:
            return .init(name: "lease-seconds", variable: "LEASE_SECONDS", kind: .integer(2...300),
                         defaultValue: .value(String(Defaults.booking.leaseSeconds)),
                         help: "Seconds a showtime's ownership lease lasts unless renewed; the takeover time after an instance dies.")
        case .maxConnections:
            return .init(name: "max-connections", variable: "MAX_CONNECTIONS", kind: .integer(1...unbounded),
                         defaultValue: .value(String(Defaults.server.maxConnections)),
                         help: "Open connections over all shards; past it a new one gets 503 and is closed.")
        case .maxConnectionsPerAddress:
            return .init(name: "max-connections-per-address", variable: "MAX_CONNECTIONS_PER_ADDRESS", kind: .integer(1...unbounded),
                         defaultValue: .value(String(Defaults.server.maxConnectionsPerAddress)),
                         help: "Open connections from one peer address (the proxy's, behind one); past it a new one gets 503 and is closed.")
        case .maxHeadBytes:
            return .init(name: "max-head-bytes", variable: "MAX_HEAD_BYTES", kind: .integer(256...unbounded),
                         defaultValue: .value(String(Defaults.server.limits.maxHeadBytes)),
                         help: "Bytes of a request line plus header fields (431 past it).")
        case .maxHeaders:
            return .init(name: "max-headers", variable: "MAX_HEADERS", kind: .integer(1...unbounded),
                         defaultValue: .value(String(Defaults.server.limits.maxHeaderCount)),
                         help: "Header fields per request (431 past it).")
        case .maxBodyBytes:
            return .init(name: "max-body-bytes", variable: "MAX_BODY_BYTES", kind: .integer(0...unbounded),
                         defaultValue: .value(String(Defaults.server.limits.maxBodyBytes)), help: "Request body bytes (413 past it).")
        case .headerTimeoutMs:
            return .init(name: "header-timeout-ms", variable: "HEADER_TIMEOUT_MS", kind: .integer(1...unbounded),
                         defaultValue: .value(String(Defaults.server.headerTimeoutMilliseconds)),
                         help: "Milliseconds for a request's head to arrive, and a body's longest stall (408).")
        case .requestTimeoutMs:
            return .init(name: "request-timeout-ms", variable: "REQUEST_TIMEOUT_MS", kind: .integer(1...unbounded),
                         defaultValue: .value(String(Defaults.server.requestTimeoutMilliseconds)),
                         help: "Milliseconds for a request's whole head and body to arrive, however it trickles (408).")
        case .idleTimeoutMs:
            return .init(name: "idle-timeout-ms", variable: "IDLE_TIMEOUT_MS", kind: .integer(1...unbounded),
                         defaultValue: .value(String(Defaults.server.idleTimeoutMilliseconds)),
                         help: "Milliseconds an idle keep-alive connection stays open.")
        case .drainTimeoutMs:
            return .init(name: "drain-timeout-ms", variable: "DRAIN_TIMEOUT_MS", kind: .integer(0...unbounded),
                         defaultValue: .value(String(Defaults.server.drainTimeoutMilliseconds)),
                         help: "Milliseconds shutdown waits for in-flight requests.")
        case .databaseURL:
            return .init(name: "database-url", variable: "DATABASE_URL", kind: .text,
                         defaultValue: .none("none (no database: catalog routes answer 503)"),
                         help: "PostgreSQL URL; migrations run at start. Give a password through the variable.")
        case .cleanupIntervalMs:
            return .init(name: "cleanup-interval-ms", variable: "CLEANUP_INTERVAL_MS", kind: .integer(100...86_400_000),
                         defaultValue: .value(String(Defaults.cleanup.intervalMilliseconds)),
                         help: "Milliseconds between deletions of expired login windows, idempotency keys and revocations.")
        case .dataDir:
            return .init(name: "data-dir", variable: "DATA_DIR", kind: .text, defaultValue: .value(".data"),
                         help: "Folder of the generated token key (jwt-secret) when JWT_SECRET is unset.")
        case .jwtSecret:
            return .init(name: "jwt-secret", variable: "JWT_SECRET", kind: .secret(characters: 32...unbounded),
                         defaultValue: .none("generated once into DATA_DIR/jwt-secret"),
                         help: "Key that signs access tokens; every instance must share it.")
        case .tokenTTLSeconds:
            return .init(name: "token-ttl-seconds", variable: "TOKEN_TTL_SECONDS", kind: .integer(1...31_536_000),
                         defaultValue: .value(String(Defaults.signer.lifetimeSeconds)), help: "Seconds an access token lasts.")
        case .loginLimitPerAddress:
            return .init(name: "login-limit-per-address", variable: "LOGIN_LIMIT_PER_ADDRESS", kind: .integer(1...1_000_000_000),
                         defaultValue: .value(String(Defaults.users.loginAttemptsPerAddress)),
                         help: "Login attempts a minute from one client address, failed or not.")
        case .loginLimitPerEmailAndAddress:
            return .init(name: "login-limit-per-email-and-address", variable: "LOGIN_LIMIT_PER_EMAIL_AND_ADDRESS",
                         kind: .integer(1...1_000_000_000), defaultValue: .value(String(Defaults.users.loginAttemptsPerEmailAndAddress)),
                         help: "Login attempts a minute for one email from one client address.")
        case .loginLimitPerEmail:
            return .init(name: "login-limit-per-email", variable: "LOGIN_LIMIT_PER_EMAIL", kind: .integer(1...1_000_000_000),
                         defaultValue: .value(String(Defaults.users.loginAttemptsPerEmail)),
                         help: "Login attempts a minute for one email from all addresses; keep it above the per-email-and-address limit.")
        case .signUpLimitPerAddress:
            return .init(name: "sign-up-limit-per-address", variable: "SIGN_UP_LIMIT_PER_ADDRESS", kind: .integer(1...1_000_000_000),
                         defaultValue: .value(String(Defaults.users.signUpsPerAddress)),
                         help: "Sign-ups a minute from one client address (429 past it).")
        case .hashQueueLogins:
            return .init(name: "hash-queue-logins", variable: "HASH_QUEUE_LOGINS", kind: .integer(1...100_000),
                         defaultValue: .value(String(Defaults.users.maxQueuedLogins)),
                         help: "Logins waiting for a password hash per shard; past it 503 with Retry-After.")
        case .hashQueueSignUps:
            return .init(name: "hash-queue-sign-ups", variable: "HASH_QUEUE_SIGN_UPS", kind: .integer(1...100_000),
                         defaultValue: .value(String(Defaults.users.maxQueuedSignUps)),
                         help: "Sign-ups waiting for a password hash per shard; past it 503 with Retry-After.")
        case .adminToken:
            return .init(name: "admin-token", variable: "ADMIN_TOKEN", kind: .secret(characters: 1...unbounded),
                         defaultValue: .none("none (admin routes take admins' tokens only)"),
                         help: "Bootstrap bearer token for admin routes, besides admins' own tokens.")
        case .adminPassword:
            return .init(name: "admin-password", variable: "ADMIN_PASSWORD", kind: .secret(characters: 8...128),
                         defaultValue: .none("none (`marquee admin create` needs it)"),
                         help: "The password `marquee admin create` gives the admin; `serve` ignores it.")
        case .holdTTLSeconds:
            return .init(name: "hold-ttl-seconds", variable: "HOLD_TTL_SECONDS", kind: .integer(1...86_400),
                         defaultValue: .value(String(Defaults.booking.holdTTLSeconds)), help: "Seconds a hold lasts.")
        case .maxSeatsPerHold:
            return .init(name: "max-seats-per-hold", variable: "MAX_SEATS_PER_HOLD", kind: .integer(1...100),
                         defaultValue: .value(String(Defaults.booking.maxSeatsPerHold)), help: "Seats in one hold.")
        case .maxHoldsPerShowtime:
            return .init(name: "max-holds-per-showtime", variable: "MAX_HOLDS_PER_SHOWTIME", kind: .integer(1...unbounded),
                         defaultValue: .value(String(Defaults.booking.maxHoldsPerUserPerShowtime)),
                         help: "Live holds per user per showtime; past it a new hold replaces the oldest.")
        case .maxHoldsPerUser:
            return .init(name: "max-holds-per-user", variable: "MAX_HOLDS_PER_USER", kind: .integer(1...unbounded),
                         defaultValue: .value(String(Defaults.booking.maxHoldsPerUser)),
                         help: "Live holds per user over all showtimes; at least max-holds-per-showtime.")
        case .paymentLatencyMs:
            return .init(name: "payment-latency-ms", variable: "PAYMENT_LATENCY_MS", kind: .integer(0...60_000),
                         defaultValue: .value(String(Defaults.booking.paymentLatencyMilliseconds)),
                         help: "Milliseconds the mock payment provider takes to answer.")
        case .paymentWindowSeconds:
            return .init(name: "payment-window-seconds", variable: "PAYMENT_WINDOW_SECONDS", kind: .integer(1...86_400),
                         defaultValue: .value(String(Defaults.booking.paymentWindowSeconds)),
                         help: "Seconds a hold is kept from checkout, for the provider and a buyer's 3-D Secure.")
        case .bookingCancelCutoffMinutes:
            return .init(name: "booking-cancel-cutoff-minutes", variable: "BOOKING_CANCEL_CUTOFF_MINUTES", kind: .integer(0...525_600),
                         defaultValue: .value(String(Defaults.booking.cancelCutoffMinutes)),
                         help: "Minutes before a showtime starts after which its bookings cannot be cancelled.")
        case .paymentProvider:
            return .init(name: "payment-provider", variable: "PAYMENT_PROVIDER", kind: .choice(["mock", "stripe"]),
                         defaultValue: .value("mock"),
                         help: "Who takes payments: the built-in mock (Stripe's test cards, no network) or Stripe.")
        case .stripeSecretKey:
            return .init(name: "stripe-secret-key", variable: "STRIPE_SECRET_KEY", kind: .secret(characters: 8...unbounded),
                         defaultValue: .none("none (the stripe provider refuses to start without it)"),
                         help: "Stripe secret key (sk_test_...; sk_live_ only with allow-live-payments). Never logged.")
        case .stripeWebhookSecret:
            return .init(name: "stripe-webhook-secret", variable: "STRIPE_WEBHOOK_SECRET", kind: .secret(characters: 8...unbounded),
                         defaultValue: .none("none (Stripe webhooks are refused)"),
                         help: "Signing secret of the Stripe webhook endpoint (whsec_...). Never logged.")
        case .stripeAPIBase:
            return .init(name: "stripe-api-base", variable: "STRIPE_API_BASE", kind: .text,
                         defaultValue: .value(StripeConfiguration.defaultAPIBase),
                         help: "https:// address of Stripe's API (another host for a local fake in tests).")
        case .stripeCAFile:
            return .init(name: "stripe-ca-file", variable: "STRIPE_CA_FILE", kind: .text,
                         defaultValue: .none("the system CA bundle"),
                         help: "PEM file of the CAs Stripe's certificate must chain to.")
        case .allowLivePayments:
            return .init(name: "allow-live-payments", variable: "ALLOW_LIVE_PAYMENTS", kind: .toggle, defaultValue: .value("0"),
                         help: "Let the stripe provider start with a live key (sk_live_): real cards, real money.")
        case .liveMaxWatchers:
            return .init(name: "live-max-watchers", variable: "LIVE_MAX_WATCHERS", kind: .integer(1...unbounded),
                         defaultValue: .value(String(Defaults.booking.maxWatchers)),
                         help: "Live seat-map watchers in total; past it an upgrade gets 503.")
        case .liveMaxWatchersPerAddress:
            return .init(name: "live-max-watchers-per-address", variable: "LIVE_MAX_WATCHERS_PER_ADDRESS", kind: .integer(1...unbounded),
                         defaultValue: .value(String(Defaults.booking.maxWatchersPerAddress)),
                         help: "Live seat-map watchers per client address.")
        case .liveCoalesceMs:
            return .init(name: "live-coalesce-ms", variable: "LIVE_COALESCE_MS", kind: .integer(0...1_000),
                         defaultValue: .value(String(Defaults.booking.liveCoalesceMilliseconds)),
                         help: "Milliseconds a showtime's seat changes gather into one delta (0: every loop turn).")
        case .liveGroups:
            return .init(name: "live-groups", variable: "LIVE_GROUPS", kind: .integer(1...64),
                         defaultValue: .value(String(Defaults.booking.liveGroups)),
                         help: "Phase-shifted groups a showtime's watchers on a shard are split into.")
        case .liveGroupSize:
            return .init(name: "live-group-size", variable: "LIVE_GROUP_SIZE", kind: .integer(1...100_000),
                         defaultValue: .value(String(Defaults.booking.liveGroupSize)),
                         help: "Watchers of a showtime on a shard per group, up to live-groups groups.")
        case .websocketEcho:
            return .init(name: "websocket-echo", variable: "WEBSOCKET_ECHO", kind: .toggle,
                         defaultValue: .value(Defaults.booking.webSocketEcho ? "1" : "0"),
                         help: "Serve GET /v1/ws-echo, a WebSocket echo for conformance suites.")
        }
    }
}

/// The configuration structs' own defaults, which the table states rather
/// than repeats: tests that build the structs directly get the same values.
private enum Defaults {
    static let server = ServerConfig()
    /// Only read for its default lifetime; never signs anything.
    static let signer = TokenSigner(secret: Array(repeating: 0, count: 32))
    static let users = UsersConfig(signer: signer, shards: 1)
    static let booking = BookingConfig(signer: signer, catalog: CatalogConfig())
    static let cleanup = TableCleanup.Config(rules: [])
}
