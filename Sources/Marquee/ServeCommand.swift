import ArgumentParser
import Logging
import MarqueeBooking
import MarqueeCatalog
import MarqueeLive
import MarqueeServer
import MarqueeStore
import MarqueeStripe
import MarqueeUsers

/// `marquee serve`: runs the HTTP server until SIGINT or SIGTERM, then
/// drains in-flight requests and exits 0.
///
/// Its flags are the settings table's (SettingsTable.swift), parsed by
/// `SettingValues` rather than declared one by one as `@Option`s: the
/// table is the one place a setting is named, and `--help` lists it from there.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP server (SIGINT/SIGTERM drain it and exit).",
        usage: "marquee serve [--<setting> <value> | --<toggle>] ...",
        discussion: SettingsDocument.help)

    @Argument(parsing: .allUnrecognized, help: .hidden) var settings: [String] = []

    /// Unknown or malformed flags are usage errors, reported with serve's usage.
    func validate() throws {
        _ = try SettingValues(arguments: settings)
    }

    func run() throws {
        let values = try SettingValues(arguments: settings)
        let level = try values.logLevel()
        // Every setting is checked before anything starts (or migrates).
        let config = try values.serverConfig()
        let signer = try values.tokenSigner()
        let catalog = try values.catalogConfig(signer: signer)
        let users = try values.usersConfig(signer: signer, shards: config.shards)
        var booking = try values.bookingConfig(signer: signer, catalog: catalog)
        let stripe = try values.stripeConfiguration()
        let cleanup = try values.cleanupConfig(rules: [.loginAttempts, .revokedTokens, .idempotencyKeys])

        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: "marquee")
        if let url = config.databaseURL {
            let applied = try Migrator.migrate(url: url)
            logger.info("database migrated", metadata: ["applied": .array(applied.map { .stringConvertible($0) })])
        } else {
            logger.warning("no DATABASE_URL: serving without a database")
        }
        if let stripe {
            // One provider per owner shard, each with its own HTTPS client.
            booking.paymentProvider = { StripePaymentProvider(configuration: stripe) }
            logger.info("payment provider", metadata: [
                "provider": "stripe", "api_base": .string(stripe.apiBase), "mode": .string(stripe.isLiveKey ? "live" : "test"),
            ])
        } else {
            logger.info("payment provider", metadata: ["provider": "mock"])
        }
        var routes = Routes()
        UserRoutes.add(to: &routes, config: users)
        CatalogRoutes.add(to: &routes, config: catalog)
        let engine = SeatEngine(config: booking)
        BookingRoutes.add(to: &routes, engine: engine)
        LiveRoutes.add(to: &routes, engine: engine)
        try ServerProcess.run(config: config, routes: routes, logger: logger) { server in
            UserRoutes.start(on: server)
            engine.start(on: server)
            if let url = config.databaseURL { TableCleanup.start(on: server, url: url, config: cleanup) }
        }
    }
}
