import Glibc
import MarqueeServer

/// Tokens whose signature this shard has already checked, with their
/// claims: a client sends the same token with every request, and checking
/// an HMAC, three base64 parts and a JSON payload each time was a third of
/// the server's CPU on the hold path. Expiry and revocation are still
/// checked on every request. Bounded: past `capacity` entries it starts over.
final class VerifiedTokens {
    static let capacity = 16_384
    private var claims: [Key: TokenSigner.Claims] = [:]

    /// A token as a dictionary key hashed by its last 16 bytes: the tail of
    /// its HMAC signature, as good as random, where hashing the whole token
    /// (some 200 bytes) was 3% of the hold path's instructions. Equality
    /// still compares the whole token.
    struct Key: Hashable {
        let token: String

        func hash(into hasher: inout Hasher) {
            var token = token
            token.withUTF8 { bytes in hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.suffix(16)))) }
        }
    }

    static func on(_ access: ShardAccess) -> VerifiedTokens {
        access.local(VerifiedTokens.self) { VerifiedTokens() }
    }

    /// The claims of `credential`: a bare token, or with `bearer` a whole
    /// `Authorization` value ("Bearer <token>"), cached as it came so a hit
    /// cuts no substring (cutting one, by characters, was 1,600
    /// instructions of every request).
    func verify(_ credential: String, bearer: Bool = false, signer: TokenSigner, now: Int64) throws(TokenSigner.Failure) -> TokenSigner.Claims {
        if let known = claims[Key(token: credential)] {
            guard known.expiresAt > now else { throw .expired }
            return known
        }
        let token = bearer ? String(Substring(credential.utf8.dropFirst(Self.bearerPrefix.utf8CodeUnitCount))) : credential
        let verified = try signer.verify(token, now: now)
        if claims.count >= Self.capacity { claims.removeAll(keepingCapacity: true) }
        claims[Key(token: credential)] = verified
        return verified
    }

    static let bearerPrefix: StaticString = "Bearer "

    /// "Bearer " and at least one more byte (compared with memcmp: a
    /// generic `starts(with:)` over the UTF-8 view was 500 instructions).
    static func isBearer(_ header: String) -> Bool {
        var header = header
        return header.withUTF8 { bytes in
            bytes.count > bearerPrefix.utf8CodeUnitCount
                && memcmp(bytes.baseAddress!, bearerPrefix.utf8Start, bearerPrefix.utf8CodeUnitCount) == 0
        }
    }
}
