import Foundation
import Glibc
import MarqueeStore
import MarqueeTestSupport
import Testing

/// A checkout through a real `marquee serve` whose payment provider is
/// Stripe, pointed at the HTTPS fake with the test CA.
@Suite("Checkout through marquee serve with the stripe provider", .serialized)
final class StripeCheckoutProcessTests {
    static let adminToken = "stripe-test-admin-token"
    let fake: FakeStripe
    let databaseName = TestDatabase.uniqueName("stripe")
    let serve: ServeChild
    let port: Int

    init() throws {
        let certificates = try TestCertificates.shared.get()
        fake = try FakeStripe(certificate: certificates.localhost)
        let serverURL = try #require(TestDatabase.serverURL, "TEST_DATABASE_URL must point at PostgreSQL (scripts/test.sh sets it)")
        let admin = try BlockingConnection(url: serverURL)
        defer { admin.close() }
        try admin.execute("CREATE DATABASE \(databaseName)")
        serve = try ServeChild(["serve", "--port", "0", "--shards", "2"], environment: [
            "DATABASE_URL": try #require(TestDatabase.url(database: databaseName)), "ADMIN_TOKEN": Self.adminToken,
            "PAYMENT_PROVIDER": "stripe", "STRIPE_SECRET_KEY": FakeStripe.secretKey, "STRIPE_API_BASE": fake.apiBase,
            "STRIPE_CA_FILE": certificates.caFile,
        ])
        port = try #require(serve.waitForPort(), "serve did not start: \(serve.log)")
        let port = port
        #expect(eventually { (try? Self.request(port, "GET", "/readyz", token: nil).status) == 200 })
    }

    deinit {
        fake.stop()
        if let serverURL = TestDatabase.serverURL, let admin = try? BlockingConnection(url: serverURL) {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(databaseName) WITH (FORCE)")
            admin.close()
        }
    }

    static func request(_ port: Int, _ method: String, _ path: String, json: String? = nil,
                        token: String? = adminToken) throws -> TestClient.Response {
        let client = try TestClient(port: port, timeoutSeconds: 30)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: test\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if let json { head += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n" }
        try client.send(head + "\r\n" + (json ?? ""))
        return try client.readResponse()
    }

    func request(_ method: String, _ path: String, json: String? = nil, token: String? = adminToken) throws -> TestClient.Response {
        try Self.request(port, method, path, json: json, token: token)
    }

    func create(_ path: String, _ json: String) throws -> Int {
        let response = try request("POST", path, json: json)
        return try #require(response.status == 201 ? response.object?["id"] as? Int : nil, "POST \(path): \(response)")
    }

    @Test("a card is authorised, captured and refunded at the fake; a decline is 402; the process exits clean")
    func checkout() throws {
        let theater = try create("/v1/theaters", #"{"name":"Odeon"}"#)
        let auditorium = try create("/v1/auditoriums", """
            {"theater_id":\(theater),"name":"1","layout":{"rows":3,"columns":4,"prices":{"standard":1000}}}
            """)
        let movie = try create("/v1/movies", #"{"title":"Heat","runtime_minutes":120}"#)
        let start = (Int(time(nil)) + 86_400) / 60 * 60
        let stamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(start)))
        let showtime = try create("/v1/showtimes", "{\"movie_id\":\(movie),\"auditorium_id\":\(auditorium),\"starts_at\":\"\(stamp)\"}")
        let credentials = #"{"email":"buyer@example.com","password":"s3cret-pass"}"#
        #expect(try request("POST", "/v1/users", json: #"{"email":"buyer@example.com","password":"s3cret-pass","name":"B"}"#,
                            token: nil).status == 201)
        let token = try #require(try request("POST", "/v1/sessions", json: credentials, token: nil).object?["access_token"] as? String)

        let hold = try #require(try request("POST", "/v1/showtimes/\(showtime)/holds", json: #"{"seats":["B2","B3"]}"#,
                                            token: token).object?["id"] as? String)
        let declined = try request("POST", "/v1/holds/\(hold)/checkout", json: #"{"payment_method":"pm_card_chargeDeclined"}"#, token: token)
        #expect(declined.status == 402, "\(declined)")
        let error = declined.object?["error"] as? [String: Any]
        #expect(error?["code"] as? String == "payment_declined")
        #expect((error?["details"] as? [String: Any])?["decline_code"] as? String == "generic_decline")

        let booked = try request("POST", "/v1/holds/\(hold)/checkout", json: #"{"payment_method":"pm_card_visa"}"#, token: token)
        #expect(booked.status == 201, "\(booked)")
        #expect((booked.object?["payment"] as? [String: Any])?["status"] as? String == "captured")
        var stats = try fake.stats()
        #expect(stats["intents_created"] == 2 && stats["captures"] == 1, "\(stats.counters)")
        let creates = stats.log.filter { $0["path"] as? String == "/v1/payment_intents" }
        #expect(creates.count == 2)
        let keys = creates.compactMap { $0["idempotency_key"] as? String }
        #expect(keys.count == 2 && Set(keys).count == 2, "one key per checkout attempt: \(keys)")
        #expect(creates.allSatisfy { ($0["form"] as? [String: String])?["amount"] == "2000" })

        let id = try #require(booked.object?["id"] as? String)
        let cancelled = try request("POST", "/v1/bookings/\(id)/cancel", token: token)
        #expect((cancelled.object?["payment"] as? [String: Any])?["status"] as? String == "refunded", "\(cancelled)")
        stats = try fake.stats()
        #expect(stats["refunds"] == 1)

        kill(serve.process.processIdentifier, SIGTERM)
        #expect(serve.waitForExit() == 0, "handles left open, or a crash: \(serve.log)")
        #expect(!serve.log.contains(FakeStripe.secretKey), "the secret key was logged")
        #expect(serve.log.contains("\"provider\":\"stripe\""))
    }
}
