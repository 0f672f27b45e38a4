import MarqueeServer

/// Tokens whose signature this shard has already checked, with their
/// claims: a client sends the same token with every request, and checking
/// an HMAC, three base64 parts and a JSON payload each time was a third of
/// the server's CPU on the hold path. Expiry and revocation are still
/// checked on every request. Bounded: past `capacity` entries it starts over.
final class VerifiedTokens {
    static let capacity = 16_384
    private var claims: [String: TokenSigner.Claims] = [:]

    static func on(_ access: ShardAccess) -> VerifiedTokens {
        access.local(VerifiedTokens.self) { VerifiedTokens() }
    }

    func verify(_ token: String, signer: TokenSigner, now: Int64) throws(TokenSigner.Failure) -> TokenSigner.Claims {
        if let known = claims[token] {
            guard known.expiresAt > now else { throw .expired }
            return known
        }
        let verified = try signer.verify(token, now: now)
        if claims.count >= Self.capacity { claims.removeAll(keepingCapacity: true) }
        claims[token] = verified
        return verified
    }
}
