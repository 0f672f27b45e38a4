@testable import MarqueeUsers
import Testing

@Suite("Verified-token cache")
struct VerifiedTokensTests {
    let signer = TokenSigner(secret: Array("a test secret of at least thirty-two bytes".utf8))

    @Test("a known token is found by its bytes; a token sharing its last bytes is not taken for it")
    func sharedTail() throws {
        let cache = VerifiedTokens()
        let (token, claims) = signer.issue(userID: 7, role: "customer", now: 1_000)
        #expect(try cache.verify(token, signer: signer, now: 1_001).userID == claims.userID)
        // Found again from the whole Authorization value (the request path).
        let header = Array("Bearer \(token)".utf8)
        let again = try header.withUnsafeBufferPointer { try cache.verify($0, bearer: true, signer: signer, now: 1_002) }
        #expect(again.userID == 7)

        // Same last eight bytes (the same key), another payload: a mismatch, verified on its own, refused.
        var forged = Array(token.utf8)
        forged[forged.count / 2] = forged[forged.count / 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let genuine = Array(token.utf8)
        #expect(forged.withUnsafeBufferPointer(VerifiedTokens.key) == genuine.withUnsafeBufferPointer(VerifiedTokens.key))
        #expect(throws: TokenSigner.Failure.self) { try cache.verify(String(decoding: forged, as: UTF8.self), signer: signer, now: 1_003) }
        // ...and the genuine entry is still there.
        #expect(try cache.verify(token, signer: signer, now: 1_004).userID == 7)
    }

    @Test("a cached token past its expiry is expired, not valid")
    func expiry() throws {
        let cache = VerifiedTokens()
        let (token, claims) = signer.issue(userID: 3, role: "customer", now: 1_000)
        _ = try cache.verify(token, signer: signer, now: 1_001)
        #expect(throws: TokenSigner.Failure.expired) { try cache.verify(token, signer: signer, now: claims.expiresAt) }
    }
}
