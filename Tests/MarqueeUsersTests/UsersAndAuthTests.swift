import Foundation
import MarqueeCrypto
import MarqueeStore
import MarqueeTestSupport
import MarqueeUsers
import Testing

@Suite("Users and auth", .serialized)
final class UsersAndAuthTests {
    let server: MarqueeTestServer

    init() throws { server = try MarqueeTestServer() }
    deinit { server.stop() }

    func signUp(_ email: String, _ password: String = "s3cret-pass", name: String = "Ada") throws -> TestClient.Response {
        try server.request("POST", "/v1/users", json: "{\"email\":\"\(email)\",\"password\":\"\(password)\",\"name\":\"\(name)\"}", token: nil)
    }

    func logIn(_ email: String, _ password: String = "s3cret-pass") throws -> TestClient.Response {
        try server.request("POST", "/v1/sessions", json: "{\"email\":\"\(email)\",\"password\":\"\(password)\"}", token: nil)
    }

    func token(_ email: String, _ password: String = "s3cret-pass") throws -> String {
        let response = try logIn(email, password)
        return try #require(response.object?["access_token"] as? String, "\(response)")
    }

    @Test("sign up, log in, and see yourself; the hash never leaves the server")
    func roundTrip() throws {
        let created = try signUp("  Ada@Example.COM ")
        #expect(created.status == 201)
        #expect(created.object?["email"] as? String == "ada@example.com")
        #expect(created.object?["role"] as? String == "customer")
        #expect(!created.text.contains("scrypt") && !created.text.contains("password"))
        let login = try logIn("ADA@example.com")
        #expect(login.status == 200)
        #expect(login.object?["token_type"] as? String == "Bearer")
        #expect(login.object?["expires_in"] as? Int == 600)
        #expect(login.headers["cache-control"] == "no-store")
        let me = try server.request("GET", "/v1/me", token: try #require(login.object?["access_token"] as? String))
        #expect(me.status == 200)
        #expect(me.object?["email"] as? String == "ada@example.com")
        #expect(!me.text.contains("scrypt"))
    }

    @Test("each sign-up problem has its own code", arguments: [
        (#"{"email":"no-at-sign","password":"s3cret-pass","name":"A"}"#, 400, "invalid_email"),
        (#"{"email":"a@b","password":"s3cret-pass","name":"A"}"#, 400, "invalid_email"),
        (#"{"email":"a@b.c","password":"short","name":"A"}"#, 400, "password_length"),
        (#"{"email":"a@b.c","password":"aaaaaaaaaa","name":"A"}"#, 400, "password_too_simple"),
        (#"{"email":"a@b.c","name":"A"}"#, 400, "invalid_password"),
        (#"{"email":"a@b.c","password":"s3cret-pass"}"#, 400, "invalid_field"),
        (#"{"email":"a@b.c","password":"s3cret-pass","name":"A","role":"admin"}"#, 400, "unknown_field"),
    ])
    func signUpValidation(json: String, status: Int, code: String) throws {
        let response = try server.request("POST", "/v1/users", json: json, token: nil)
        #expect(response.status == status)
        #expect(response.errorCode == code)
    }

    @Test("an email is taken whatever its case")
    func emailTaken() throws {
        #expect(try signUp("grace@example.com").status == 201)
        let again = try signUp("Grace@Example.com")
        #expect(again.status == 409)
        #expect(again.errorCode == "email_taken")
    }

    @Test("wrong password and unknown email fail the same way")
    func badCredentials() throws {
        #expect(try signUp("alan@example.com").status == 201)
        let wrong = try logIn("alan@example.com", "not-the-password")
        let unknown = try logIn("nobody@example.com", "not-the-password")
        #expect(wrong.status == 401 && unknown.status == 401)
        #expect(wrong.text == unknown.text)
        #expect(wrong.errorCode == "invalid_credentials")
    }

    @Test("expired, tampered, wrongly signed, alg:none and revoked tokens are refused")
    func badTokens() throws {
        #expect(try signUp("kat@example.com").status == 201)
        let good = try token("kat@example.com")
        #expect(try server.request("GET", "/v1/me", token: good).status == 200)
        let userID = try #require(try server.request("GET", "/v1/me", token: good).object?["id"] as? Int)

        let expired = MarqueeTestServer.signer.issue(userID: Int64(userID), role: "customer", now: Int64(Date().timeIntervalSince1970) - 3_600).token
        let otherKey = TokenSigner(secret: Array("another-secret-of-at-least-32-bytes!".utf8)).issue(userID: Int64(userID), role: "admin", now: Int64(Date().timeIntervalSince1970)).token
        let parts = good.split(separator: ".").map(String.init)
        let adminPayload = Base64URL.encode(Array(#"{"sub":"\#(userID)","role":"admin","iat":1,"exp":9999999999,"jti":"x"}"#.utf8))
        let tampered = parts[0] + "." + adminPayload + "." + parts[2]
        let none = Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + adminPayload + "."
        let hs512 = Base64URL.encode(Array(#"{"alg":"HS512","typ":"JWT"}"#.utf8)) + "." + parts[1] + "." + parts[2]
        for (token, code) in [(expired, "token_expired"), (otherKey, "invalid_token"), (tampered, "invalid_token"),
                              (none, "invalid_token"), (hs512, "invalid_token"), ("garbage", "invalid_token")] {
            let response = try server.request("GET", "/v1/me", token: token)
            #expect(response.status == 401, "\(code)")
            #expect(response.errorCode == code)
            #expect(response.headers["www-authenticate"] == "Bearer")
        }
        let missing = try server.request("GET", "/v1/me", token: nil)
        #expect(missing.errorCode == "missing_token")

        #expect(try server.request("DELETE", "/v1/sessions", token: good).status == 204)
        let revoked = try server.request("GET", "/v1/me", token: good)
        #expect(revoked.status == 401)
        #expect(revoked.errorCode == "token_revoked")
        #expect(try server.request("GET", "/v1/me", token: try token("kat@example.com")).status == 200, "a new login works")
    }

    @Test("catalog writes need the admin role: a customer gets 403, an admin gets through")
    func roles() throws {
        #expect(try signUp("cust@example.com").status == 201)
        let customer = try token("cust@example.com")
        let refused = try server.request("POST", "/v1/genres", json: #"{"name":"Noir"}"#, token: customer)
        #expect(refused.status == 403)
        #expect(refused.errorCode == "forbidden")
        let db = try BlockingConnection(url: server.databaseURL)
        defer { db.close() }
        try db.query("INSERT INTO users (email, name, password_hash, role) VALUES ('boss@example.com', 'Boss', $1, 'admin')",
                     [PasswordHasher(logN: 12).hash("boss-password")])
        let admin = try token("boss@example.com", "boss-password")
        #expect(try server.request("POST", "/v1/genres", json: #"{"name":"Noir"}"#, token: admin).status == 201)
    }

    @Test("login attempts are limited per email, with Retry-After")
    func rateLimit() throws {
        #expect(try signUp("eve@example.com").status == 201)
        var statuses: [Int] = []
        var retryAfter: String?
        for _ in 0..<7 {
            let response = try logIn("eve@example.com", "guess-guess")
            statuses.append(response.status)
            if response.status == 429 {
                retryAfter = response.headers["retry-after"]
                #expect(response.errorCode == "too_many_login_attempts")
            }
        }
        #expect(statuses.prefix(5).allSatisfy { $0 == 401 })
        #expect(statuses.suffix(2).allSatisfy { $0 == 429 })
        #expect(Int(retryAfter ?? "") ?? 0 >= 1)
        // Even the right password waits out the window.
        #expect(try logIn("eve@example.com").status == 429)
    }
}
