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

extension HoldRequestTests {
    @Test("best-available bodies have a fast path too; anything unusual goes to the general parser")
    func fastBestAvailable() {
        #expect(HoldRequest.fastBestAvailable(Array(#"{"best_available":{"count":4}}"#.utf8))! == (4, nil))
        #expect(HoldRequest.fastBestAvailable(Array(#" { "best_available" : { "category" : "premium" , "count" : 12 } } "#.utf8))! == (12, "premium"))
        for odd in [#"{"best_available":{}}"#, #"{"best_available":{"count":04}}"#, #"{"best_available":{"count":4.0}}"#,
                    #"{"best_available":{"count":-4}}"#, #"{"best_available":{"count":4,"count":5}}"#, #"{"best_available":{"count":4,"x":1}}"#,
                    #"{"best_available":{"count":4,"category":"Premium"}}"#, #"{"best_available":{"count":4,"category":""}}"#,
                    #"{"best_available":{"count":4}"#, #"{"best_available":{"count":4}} x"#, #"{"best_available":{"count":"4"}}"#,
                    #"{"best_available":{"count":4},"seats":["A1"]}"#, #"{"best_available":{"count":12345}}"#] {
            #expect(HoldRequest.fastBestAvailable(Array(odd.utf8)) == nil, "\(odd)")
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

extension HoldRequestTests {
    @Test("checkout's common body is read without Foundation; anything unusual is left to the general parser")
    func fastPaymentMethod() {
        #expect(CheckoutRequest.fastPaymentMethod(Array(#"{"payment_method":"pm_card_visa"}"#.utf8)) == "pm_card_visa")
        #expect(CheckoutRequest.fastPaymentMethod(Array(" { \"payment_method\" : \"4242424242424242\" } \n".utf8)) == "4242424242424242")
        for odd in [#"{"payment_method":""}"#, #"{"payment_method":" pm_card_visa"}"#, #"{"payment_method":"pm-card"}"#,
                    #"{"payment_method":"pm_card_visa","x":1}"#, #"{"payment_method":"pm_card_visa"}x"#, #"{"payment_method":1}"#,
                    #"{"payment_method":"pm\u005fcard"}"#, #"{"Payment_method":"pm_card_visa"}"#, #"{"payment_method":"pm_card_visa""#,
                    "{\"payment_method\":\"" + String(repeating: "a", count: 101) + "\"}", ""] {
            #expect(CheckoutRequest.fastPaymentMethod(Array(odd.utf8)) == nil, "\(odd)")
        }
    }
}
