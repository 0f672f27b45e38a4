import Foundation
import MarqueeStore
import MarqueeTestSupport
import Testing

/// A login flood with a fresh random email each time must not grow the
/// rate-limit table by a row per attempt: once an address is refused, its
/// attempts add no rows for the emails they name.
@Suite("Login attempts growth")
struct LoginAttemptsGrowthTests {
    @Test("a flood of random emails from one address adds rows only while the address is allowed")
    func floodIsBounded() throws {
        let server = try CatalogTestServer(users: { $0.loginAttemptsPerAddress = 10 })
        defer { server.stop() }
        var refused = 0
        for index in 0..<120 {
            let json = "{\"email\":\"random\(index)-\(UInt32.random(in: 0...UInt32.max))@example.com\",\"password\":\"guess-guess\"}"
            let response = try server.request("POST", "/v1/sessions", json: json, token: nil)
            #expect(response.status == 401 || response.status == 429, "\(response)")
            if response.status == 429 { refused += 1 }
        }
        #expect(refused >= 110 - 10, "the address limit refuses the flood")
        let db = try BlockingConnection(url: server.databaseURL)
        defer { db.close() }
        let rows = Int(try db.query("SELECT count(*) FROM login_attempts").scalar ?? "") ?? -1
        // The address's own counter (one per minute window it spans, at most
        // two), plus an email's rows for each of the 10 allowed attempts.
        #expect(rows <= 2 + 2 * 10, "rows: \(rows)")
    }
}
