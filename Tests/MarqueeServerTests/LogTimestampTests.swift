import Foundation
@testable import MarqueeServer
import Testing

@Suite("Log lines")
struct LogTimestampTests {
    @Test("a log line's time is RFC 3339 in UTC to the millisecond, and now")
    func timestamp() throws {
        let before = Date()
        let text = JSONLogHandler.timestamp()
        let after = Date()
        #expect(text.count == 24 && text.hasSuffix("Z") && text.dropFirst(19).first == ".", "\(text)")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let parsed = try #require(formatter.date(from: text))
        #expect(parsed >= before.addingTimeInterval(-0.001) && parsed <= after)
    }
}
