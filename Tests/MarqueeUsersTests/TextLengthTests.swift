import Foundation
import MarqueeTestSupport
import Testing

/// Length limits count code points, as PostgreSQL's `length()` checks do,
/// not grapheme clusters: a name of one letter and hundreds of combining
/// marks is one "character" to Swift but hundreds to the database, and
/// must be a 400 before any work, not a 500 from the insert.
@Suite("Text length limits", .serialized)
final class TextLengthTests {
    let server: MarqueeTestServer

    init() throws { server = try MarqueeTestServer() }
    deinit { server.stop() }

    static func marks(_ count: Int) -> String { "a" + String(repeating: "\u{0301}", count: count) }

    func signUp(email: String, name: String) throws -> TestClient.Response {
        try server.request("POST", "/v1/users", json: "{\"email\":\"\(email)\",\"password\":\"s3cret-pass\",\"name\":\"\(name)\"}", token: nil)
    }

    @Test("a sign-up name of combining marks past 200 code points is a 400")
    func signUpName() throws {
        let long = try signUp(email: "marks@example.com", name: Self.marks(250))
        #expect(long.status == 400, "\(long)")
        #expect(long.errorCode == "invalid_field")
        let fits = try signUp(email: "marks@example.com", name: Self.marks(199))
        #expect(fits.status == 201, "200 code points fit: \(fits)")
    }

    @Test("an email that grows past 254 code points when lower-cased is a 400")
    func emailGrowsWhenLowerCased() throws {
        // U+0130 lower-cases to two code points.
        let response = try signUp(email: String(repeating: "\u{0130}", count: 200) + "@example.com", name: "E")
        #expect(response.status == 400, "\(response)")
        #expect(response.errorCode == "invalid_email")
    }

    @Test("a catalog name of combining marks past its limit is a 400")
    func genreName() throws {
        let response = try server.request("POST", "/v1/genres", json: "{\"name\":\"\(Self.marks(80))\"}")
        #expect(response.status == 400, "\(response)")
        #expect(response.errorCode == "invalid_field")
        #expect(try server.request("POST", "/v1/genres", json: "{\"name\":\"\(Self.marks(59))\"}").status == 201)
    }
}
