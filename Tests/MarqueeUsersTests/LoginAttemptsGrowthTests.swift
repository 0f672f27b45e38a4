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
        let server = try MarqueeTestServer(users: { $0.loginAttemptsPerAddress = 10 })
        defer { server.stop() }
        var refused = 0
        let firstMinute = Int(Date().timeIntervalSince1970) / 60
        for index in 0..<120 {
            let json = "{\"email\":\"random\(index)-\(UInt32.random(in: 0...UInt32.max))@example.com\",\"password\":\"guess-guess\"}"
            let response = try server.request("POST", "/v1/sessions", json: json, token: nil)
            #expect(response.status == 401 || response.status == 429, "\(response)")
            if response.status == 429 { refused += 1 }
        }
        // The limits count per minute window: a slow machine's flood that
        // spans a window's end is allowed 10 more in the next one.
        let windows = Int(Date().timeIntervalSince1970) / 60 - firstMinute + 1
        #expect(refused >= 120 - 10 * windows, "the address limit refuses the flood")
        let db = try BlockingConnection(url: server.databaseURL)
        defer { db.close() }
        let rows = Int(try db.query("SELECT count(*) FROM login_attempts").scalar ?? "") ?? -1
        // Per window: the address's own counter, plus the email's and the
        // (email, address) pair's rows for each of the 10 allowed attempts.
        #expect(rows <= windows * (1 + 2 * 10), "rows: \(rows) over \(windows) windows")
    }
}
