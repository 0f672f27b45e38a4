@testable import MarqueeStripe
import Testing

@Suite("Stripe form bodies")
struct StripeFormTests {
    @Test("bracket syntax for metadata, sorted; reserved bytes and UTF-8 percent-encoded")
    func encoding() {
        let fields = [("amount", "2000"), ("payment_method", "pm_card_visa")]
            + StripeForm.metadata(["user": "42", "hold": "hld 1&2=3", "attempt": "é"])
        let body = String(decoding: StripeForm.encode(fields), as: UTF8.self)
        #expect(body == "amount=2000&payment_method=pm_card_visa&metadata%5Battempt%5D=%C3%A9"
            + "&metadata%5Bhold%5D=hld%201%262%3D3&metadata%5Buser%5D=42")
        #expect(StripeForm.escaped("pi_1/../x") == "pi_1%2F..%2Fx")
    }

    @Test("a configuration's description never shows the key")
    func redacted() {
        let configuration = StripeConfiguration(secretKey: "sk_live_abcdefgh")
        #expect(configuration.isLiveKey)
        #expect(!"\(configuration)".contains("abcdefgh"))
        #expect(!StripeConfiguration(secretKey: "sk_test_abcdefgh").isLiveKey)
    }
}
