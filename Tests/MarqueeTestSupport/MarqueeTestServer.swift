import Foundation
import Logging
import MarqueeBooking
import MarqueeCatalog
import MarqueeLive
import MarqueeServer
import MarqueeStore
import MarqueeCrypto
import MarqueeUsers
import Testing

/// The one real-server fixture of the test targets: a server with every
/// route (users, catalog, booking, live seat maps) on a fresh, migrated
/// database, configured per suite through the closures (two shards, the
/// admin token and the test signer unless told otherwise). It stops when
/// released, so a suite needs no deinit for it.
public final class MarqueeTestServer {
    public static let adminToken = "test-admin-token"
    public static let tokenSecret = Array("a-test-secret-of-at-least-32-bytes!!".utf8)
    public static let signer = TokenSigner(secret: tokenSecret, lifetimeSeconds: 600)
    public let server: Server
    public let databaseName: String
    public let databaseURL: String
    public var port: Int { server.port }
    /// False for a second instance on another server's database (`sharing`):
    /// the first one drops it.
    private let ownsDatabase: Bool

    /// `sharing`: run as another instance on that server's database (for
    /// the several-instances tests) instead of a fresh one.
    public init(cacheTTLMilliseconds: UInt64 = 60_000, shards: Int = 2, sharing other: MarqueeTestServer? = nil,
                booking: (inout BookingConfig) -> Void = { _ in },
                catalog configureCatalog: (inout CatalogConfig) -> Void = { _ in },
                users: (inout UsersConfig) -> Void = { _ in },
                server configureServer: (inout ServerConfig) -> Void = { _ in }) throws {
        let serverURL = try #require(TestDatabase.serverURL, "TEST_DATABASE_URL must point at PostgreSQL (scripts/test.sh sets it)")
        if let other {
            databaseName = other.databaseName
            databaseURL = other.databaseURL
            ownsDatabase = false
        } else {
            databaseName = TestDatabase.uniqueName("marquee")
            let admin = try BlockingConnection(url: serverURL)
            defer { admin.close() }
            try admin.execute("CREATE DATABASE \(databaseName)")
            databaseURL = try #require(TestDatabase.url(database: databaseName))
            ownsDatabase = true
        }
        try Migrator.migrate(url: databaseURL)
        var config = ServerConfig()
        config.port = 0
        config.shards = shards
        config.databaseURL = databaseURL
        configureServer(&config)
        var catalog = CatalogConfig()
        catalog.adminToken = Self.adminToken
        catalog.cacheTTLMilliseconds = cacheTTLMilliseconds
        catalog.tokenSigner = Self.signer
        configureCatalog(&catalog)
        var routes = Routes()
        let configureUsers = users
        var users = UsersConfig(signer: Self.signer)
        users.hasher = PasswordHasher(logN: 12)  // fast in tests; production uses 2^15
        configureUsers(&users)
        UserRoutes.add(to: &routes, config: users)
        CatalogRoutes.add(to: &routes, config: catalog)
        var bookingConfig = BookingConfig(signer: Self.signer, catalog: catalog)
        booking(&bookingConfig)
        let engine = SeatEngine(config: bookingConfig)
        BookingRoutes.add(to: &routes, engine: engine)
        LiveRoutes.add(to: &routes, engine: engine)
        let logger = Logger(label: "catalog-test") { _ in SwiftLogNoOpLogHandler() }
        server = try Server.start(config: config, routes: routes, logger: logger)
        UserRoutes.start(on: server)
        engine.start(on: server)
        try waitUntilReady()
    }

    /// Both shards' database connections are up.
    private func waitUntilReady() throws {
        let ready = try eventually(within: 10, pollingEvery: 20) {
            // Eight in a row: connections land on either shard.
            try (0..<8).allSatisfy { _ in
                let client = try TestClient(port: port)
                try client.send(MarqueeTestSupport.get("/readyz"))
                return try client.readResponse().status == 200
            }
        }
        if !ready { throw TestClient.Failure("server never became ready") }
    }

    /// Stopped by `stop()` or, at the latest, when the last reference goes
    /// (a suite that keeps it in a property lets go of it after each test).
    private var stopped = false

    deinit { stop() }

    /// Stops the server and drops its database; once.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        server.shutdown()
        #expect(server.waitUntilStopped() == 0)
        if ownsDatabase, let serverURL = TestDatabase.serverURL, let admin = try? BlockingConnection(url: serverURL) {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(databaseName) WITH (FORCE)")
            admin.close()
        }
    }

    public func request(_ method: String, _ path: String, json: String? = nil, token: String? = adminToken,
                        headers: [String: String] = [:], timeoutSeconds: Int = 5,
                        from sourceHost: String? = nil) throws -> TestClient.Response {
        let client = try TestClient(port: port, timeoutSeconds: timeoutSeconds, sourceHost: sourceHost)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: test\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let json { head += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n" }
        try client.send(head + "\r\n" + (json ?? ""))
        return try client.readResponse()
    }

    public func get(_ path: String) throws -> TestClient.Response { try request("GET", path, token: nil) }

    /// Signs a new customer up and returns an access token.
    public func customerToken(_ email: String) throws -> String {
        let password = "s3cret-pass"
        let created = try request("POST", "/v1/users", json: "{\"email\":\"\(email)\",\"password\":\"\(password)\",\"name\":\"T\"}", token: nil)
        guard created.status == 201 else { throw TestClient.Failure("sign-up: \(created)") }
        let session = try request("POST", "/v1/sessions", json: "{\"email\":\"\(email)\",\"password\":\"\(password)\"}", token: nil)
        guard let token = session.object?["access_token"] as? String else { throw TestClient.Failure("login: \(session)") }
        return token
    }

    /// Creates through the admin API and returns the new id.
    @discardableResult
    public func create(_ path: String, _ json: String) throws -> Int {
        let response = try request("POST", path, json: json)
        guard response.status == 201, let id = response.object?["id"] as? Int else {
            throw TestClient.Failure("POST \(path) \(json) -> \(response)")
        }
        return id
    }
}

extension TestClient.Response {
    public var items: [[String: Any]] { object?["items"] as? [[String: Any]] ?? [] }
    public var errorCode: String? { (object?["error"] as? [String: Any])?["code"] as? String }
    public var nextCursor: String? { object?["next_cursor"] as? String }
}

public func layoutJSON(rows: Int = 5, columns: Int = 8) -> String {
    "{\"rows\":\(rows),\"columns\":\(columns),\"prices\":{\"standard\":1000}}"
}
