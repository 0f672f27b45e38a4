@testable import MarqueeUsers
import Testing

@Suite("Verified-token cache keys")
struct VerifiedTokensTests {
    @Test("tokens that share their last 16 bytes hash alike but stay different keys")
    func sharedTail() {
        let tail = "0123456789abcdef"
        let first = VerifiedTokens.Key(token: "header.payloadA." + tail)
        let second = VerifiedTokens.Key(token: "header.payloadB." + tail)
        #expect(first.hashValue == second.hashValue)
        #expect(first != second)
        var table: [VerifiedTokens.Key: Int] = [first: 1]
        table[second] = 2
        #expect(table[first] == 1 && table[second] == 2)
        #expect(VerifiedTokens.Key(token: "short") == VerifiedTokens.Key(token: "short"))
    }
}
