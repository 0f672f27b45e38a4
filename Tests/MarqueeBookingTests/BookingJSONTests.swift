import Foundation
@testable import MarqueeBooking
import Testing

@Suite("Booking answers")
struct BookingJSONTests {
    @Test("a confirmed booking's answer is valid JSON with every field, the intent escaped")
    func confirmed() throws {
        let bytes = BookingJSON.confirmed(showtime: 42, number: 7, labels: ["F7", "F8"], totalCents: 2_500, currency: "usd",
                                          intent: #"pi_"odd"\id"#, createdUnix: 1_795_000_000)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["id"] as? String == "bkg_42_7" && object["showtime_id"] as? Int == 42)
        #expect(object["seats"] as? [String] == ["F7", "F8"] && object["total"] as? Int == 2_500 && object["currency"] as? String == "usd")
        #expect(object["status"] as? String == "confirmed" && object["created_at"] as? String == "2026-11-18T11:06:40Z")
        let payment = object["payment"] as? [String: String]
        #expect(payment == ["intent": #"pi_"odd"\id"#, "status": "captured"])
    }
}
