@testable import MarqueeBooking
import Testing

@Suite("Hold request fast path")
struct HoldRequestTests {
    @Test("the common body is read without Foundation; anything unusual is left to the general parser")
    func fastSeats() {
        #expect(HoldRequest.fastSeats(Array(#"{"seats":["F7","F8"]}"#.utf8)) == ["F7", "F8"])
        #expect(HoldRequest.fastSeats(Array(" { \"seats\" : [ \"AA12\" ] } \n".utf8)) == ["AA12"])
        #expect(HoldRequest.fastSeats(Array("{ \"seats\": [ \"AA12\" , \"B1\" ] }".utf8)) == ["AA12", "B1"])
        for odd in [#"{"seats":[]}"#, #"{"seats":["f7"]}"#, #"{"seats":["F7"],"x":1}"#, #"{"seats":["F7"]"#, #"{"seats":["F\u0037"]}"#,
                    #"{"seats":[1]}"#, #"{"best_available":{"count":2}}"#, #"{"seats":["F7"]} x"#, #"{"seats":["F7",]}"#, ""] {
            #expect(HoldRequest.fastSeats(Array(odd.utf8)) == nil, "\(odd)")
        }
    }
}

@Suite("Public ids")
struct PublicIDTests {
    @Test("hld_<showtime>_<n> round-trips; anything else is not an id")
    func parse() {
        #expect(PublicID.parse(PublicID.hold(42, 7), prefix: "hld")! == (42, 7))
        #expect(PublicID.parse("bkg_9223372036854775807_4294967295", prefix: "bkg")! == (Int64.max, UInt32.max))
        for bad in ["hld_42", "hld_42_", "hld__7", "hld_0_7", "hld_42_0", "hld_42_7_1", "hld_42_7x", "hld_+42_7", "hld_42_-7",
                    "bkg_42_7", "hld42_7", "hld_42_4294967296", "hld_9223372036854775808_1", "hld_12345678901234567890_1",
                    "hld_٤٢_7", "", "hld"] {
            #expect(PublicID.parse(bad, prefix: "hld") == nil, "\(bad)")
        }
    }
}
