import Foundation
import MarqueeStore
import MarqueeTestSupport
import Testing

/// Login limits stop guessing without letting a stranger lock an account:
/// the tight limit is per (email, client address); the per-email limit is a
/// ceiling that one address alone cannot reach. Clients connect from
/// different loopback addresses (127.0.0.0/8) to be different addresses.
@Suite("Login lockout", .serialized)
final class LoginLockoutTests {
    let server: MarqueeTestServer

    init() throws {
        server = try MarqueeTestServer(users: { users in
            users.loginAttemptsPerEmailAndAddress = 5
            users.loginAttemptsPerEmail = 12
            users.loginAttemptsPerAddress = 30
        })
    }
    deinit { server.stop() }

    func logIn(_ email: String, _ password: String, from address: String) throws -> TestClient.Response {
        try server.request("POST", "/v1/sessions", json: "{\"email\":\"\(email)\",\"password\":\"\(password)\"}",
                           token: nil, from: address)
    }

    func signUp(_ email: String) throws {
        let created = try server.request("POST", "/v1/users",
                                         json: "{\"email\":\"\(email)\",\"password\":\"victim-pass\",\"name\":\"V\"}", token: nil)
        #expect(created.status == 201, "\(created)")
    }

    @Test("wrong passwords from one address do not lock the owner out from another")
    func noLockoutFromOneAddress() throws {
        try signUp("victim@example.com")
        var refused: TestClient.Response?
        // Every attempt one address can make in a minute.
        for _ in 0..<30 {
            let response = try logIn("victim@example.com", "guess-guess", from: "127.0.0.9")
            if response.status == 429 { refused = response }
        }
        let attacker = try #require(refused, "the guessing address is stopped")
        #expect(attacker.errorCode == "too_many_login_attempts")
        #expect(Int(attacker.headers["retry-after"] ?? "") ?? 0 >= 1)
        #expect(try logIn("victim@example.com", "victim-pass", from: "127.0.0.9").status == 429,
                "the guessing address waits out the window even with the right password")
        let owner = try logIn("victim@example.com", "victim-pass", from: "127.0.0.2")
        #expect(owner.status == 200, "the owner, from their own address, still logs in: \(owner)")
    }

    @Test("guesses spread over many addresses meet the per-email ceiling")
    func perEmailCeiling() throws {
        try signUp("target@example.com")
        var statuses: [Int] = []
        // Three addresses, five guesses each: 15 counted attempts, past the ceiling of 12.
        for host in 10..<13 {
            for _ in 0..<5 { statuses.append(try logIn("target@example.com", "guess-guess", from: "127.0.0.\(host)").status) }
        }
        #expect(statuses.prefix(12).allSatisfy { $0 == 401 }, "\(statuses)")
        #expect(statuses.suffix(3).allSatisfy { $0 == 429 }, "\(statuses)")
        let fresh = try logIn("target@example.com", "victim-pass", from: "127.0.0.20")
        #expect(fresh.status == 429 && fresh.errorCode == "too_many_login_attempts")
    }
}
