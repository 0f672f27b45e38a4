import Foundation
import MarqueeCrypto
import MarqueeStore
import MarqueeTestSupport
import Testing

/// Sign-up runs scrypt for anonymous callers: a flood of it must not
/// queue without bound, nor delay logins, and one address may only sign up
/// so often. One shard, so every request shares one hashing queue, and a
/// costlier hash than other tests use, so the queue really fills.
@Suite("Sign-up flood", .serialized)
final class SignUpFloodTests {
    let server: MarqueeTestServer

    init() throws {
        server = try MarqueeTestServer(shards: 1, users: { users in
            users.hasher = PasswordHasher(logN: 14)
            users.maxQueuedSignUps = 2
            users.signUpsPerAddress = 1_000
        })
    }
    deinit { server.stop() }

    static func signUpRequest(_ email: String) -> String {
        let json = "{\"email\":\"\(email)\",\"password\":\"s3cret-pass\",\"name\":\"F\"}"
        return "POST /v1/users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n" + json
    }

    /// Sends every request on its own connection before reading any answer.
    func flood(_ emails: [String]) throws -> [TestClient] {
        let clients = try emails.map { _ in try TestClient(port: server.port, timeoutSeconds: 30) }
        for (client, email) in zip(clients, emails) { try client.send(Self.signUpRequest(email)) }
        return clients
    }

    @Test("sign-ups past the per-shard hashing queue get 503 with Retry-After, not a place in line")
    func queueBound() throws {
        let clients = try flood((0..<12).map { "flood\($0)@example.com" })
        let responses = try clients.map { try $0.readResponse() }
        let busy = responses.filter { $0.status == 503 }
        #expect(!busy.isEmpty, "\(responses.map(\.status))")
        for response in busy {
            #expect(response.errorCode == "server_busy")
            #expect(response.headers["retry-after"] == "1")
        }
        #expect(responses.allSatisfy { $0.status == 201 || $0.status == 503 }, "\(responses.map(\.status))")
        // One hashing and at most two waiting when the burst arrived.
        #expect(responses.filter { $0.status == 201 }.count >= 3)
    }

    @Test("a login waiting behind a queue of sign-ups is served within a few hashes")
    func loginsKeepTheirShare() throws {
        let ready = try server.request("POST", "/v1/users", json: #"{"email":"reg@example.com","password":"s3cret-pass","name":"R"}"#, token: nil)
        #expect(ready.status == 201)
        let clients = try flood((0..<2).map { "queued\($0)@example.com" })
        let login = try TestClient(port: server.port, timeoutSeconds: 30)
        let json = #"{"email":"reg@example.com","password":"s3cret-pass"}"#
        try login.send("POST /v1/sessions HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n" + json)
        #expect(try login.readResponse().status == 200)
        // Counted when the login is answered: in arrival order it would come
        // after both queued sign-ups; with its own share, after at most the one hashing.
        let db = try BlockingConnection(url: server.databaseURL)
        defer { db.close() }
        let signedUp = try db.query("SELECT count(*) FROM users WHERE email LIKE 'queued%'").rows.first?[0].flatMap { Int($0) }
        #expect((signedUp ?? 99) <= 1, "sign-ups hashed before the login: \(signedUp ?? -1)")
        for client in clients { _ = try client.readResponse() }
    }
}

@Suite("Sign-up rate limit")
struct SignUpRateLimitTests {
    @Test("one address may sign up only so often; 429 with Retry-After")
    func perAddressLimit() throws {
        let limited = try MarqueeTestServer(users: { $0.signUpsPerAddress = 3 })
        defer { limited.stop() }
        func signUp(_ email: String, from address: String) throws -> TestClient.Response {
            try limited.request("POST", "/v1/users", json: "{\"email\":\"\(email)\",\"password\":\"s3cret-pass\",\"name\":\"L\"}",
                                token: nil, from: address)
        }
        for index in 0..<3 { #expect(try signUp("many\(index)@example.com", from: "127.0.0.5").status == 201) }
        let refused = try signUp("many3@example.com", from: "127.0.0.5")
        #expect(refused.status == 429)
        #expect(refused.errorCode == "too_many_sign_ups")
        #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 >= 1)
        #expect(try signUp("other@example.com", from: "127.0.0.6").status == 201, "another address is not limited")
    }
}
