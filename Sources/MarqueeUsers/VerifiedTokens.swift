import Glibc
import MarqueeServer

/// Tokens whose signature this shard has already checked, with their
/// claims: a client sends the same token with every request, and checking
/// an HMAC, three base64 parts and a JSON payload each time was a third of
/// the server's CPU on the hold path. Expiry and revocation are still
/// checked on every request. Bounded: past `capacity` entries it starts over.
///
/// Looked up with the credential's bytes as they sit in the request head:
/// no `String` is made for a known token (making one checks 200 bytes as
/// UTF-8 and copies them, on every authenticated request).
final class VerifiedTokens {
    static let capacity = 16_384

    struct Entry {
        let credential: [UInt8]
        let claims: TokenSigner.Claims
    }

    /// By the credential's last eight bytes, the tail of its HMAC signature
    /// (as good as random); an entry counts only if the whole credential
    /// matches. Only verified credentials are stored, so a forged one that
    /// shares a tail finds a mismatch and is verified (and refused) itself.
    private var entries: [UInt64: Entry] = [:]

    static func on(_ access: ShardAccess) -> VerifiedTokens {
        access.local(VerifiedTokens.self) { VerifiedTokens() }
    }

    /// The claims of `credential`: a bare token, or with `bearer` a whole
    /// `Authorization` value ("Bearer <token>"), cached as it came.
    func verify(_ credential: UnsafeBufferPointer<UInt8>, bearer: Bool, signer: TokenSigner,
                now: Int64) throws(TokenSigner.Failure) -> TokenSigner.Claims {
        let key = Self.key(credential)
        if let known = entries[key], known.credential.count == credential.count,
           known.credential.withUnsafeBufferPointer({ memcmp($0.baseAddress!, credential.baseAddress!, credential.count) == 0 }) {
            guard known.claims.expiresAt > now else { throw .expired }
            return known.claims
        }
        let token = String(decoding: bearer ? UnsafeBufferPointer(rebasing: credential.dropFirst(Self.bearerPrefix.utf8CodeUnitCount)) : credential,
                           as: UTF8.self)
        let verified = try signer.verify(token, now: now)
        if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = Entry(credential: Array(credential), claims: verified)
        return verified
    }

    func verify(_ token: String, signer: TokenSigner, now: Int64) throws(TokenSigner.Failure) -> TokenSigner.Claims {
        var token = token
        let result = token.withUTF8 { bytes -> Result<TokenSigner.Claims, TokenSigner.Failure> in
            guard !bytes.isEmpty else { return .failure(.malformed) }
            do throws(TokenSigner.Failure) {
                return .success(try verify(bytes, bearer: false, signer: signer, now: now))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The last eight bytes (fewer for a shorter credential) as a number.
    static func key(_ credential: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var key: UInt64 = 0
        for byte in credential.suffix(8) { key = key << 8 | UInt64(byte) }
        return key
    }

    static let bearerPrefix: StaticString = "Bearer "

    /// "Bearer " and at least one more byte.
    static func isBearer(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        value.count > bearerPrefix.utf8CodeUnitCount
            && memcmp(value.baseAddress!, bearerPrefix.utf8Start, bearerPrefix.utf8CodeUnitCount) == 0
    }
}
