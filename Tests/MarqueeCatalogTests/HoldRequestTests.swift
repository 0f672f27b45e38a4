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
