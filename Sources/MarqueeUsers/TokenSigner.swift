import Foundation
import MarqueeCrypto

/// Access tokens: HS256 JWTs (RFC 7519) with `sub`, `role`, `iat`, `exp`
/// and `jti`, signed and checked with OpenSSL's HMAC. The algorithm is
/// pinned: a token whose header is anything but our exact HS256 header
/// (`alg: none`, RS256, extra fields) is refused before any signature work.
public struct TokenSigner: Sendable {
    public struct Claims: Sendable, Equatable {
        public let userID: Int64
        public let role: String
        public let issuedAt: Int64
        public let expiresAt: Int64
        public let tokenID: String
    }

    public enum Failure: Error, Equatable {
        case malformed, wrongAlgorithm, badSignature, expired
    }

    static let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))

    private let secret: [UInt8]
    public let lifetimeSeconds: Int64

    public init(secret: [UInt8], lifetimeSeconds: Int64 = 3_600) {
        precondition(secret.count >= 32, "the token secret must have at least 32 bytes")
        self.secret = secret
        self.lifetimeSeconds = lifetimeSeconds
    }

    public func issue(userID: Int64, role: String, now: Int64) -> (token: String, claims: Claims) {
        let claims = Claims(userID: userID, role: role, issuedAt: now, expiresAt: now + lifetimeSeconds,
                            tokenID: Base64URL.encode(Crypto.randomBytes(16)))
        let payload = #"{"sub":"\#(userID)","role":"\#(role)","iat":\#(now),"exp":\#(claims.expiresAt),"jti":"\#(claims.tokenID)"}"#
        let signingInput = Self.header + "." + Base64URL.encode(Array(payload.utf8))
        let signature = Crypto.hmacSHA256(key: secret, message: Array(signingInput.utf8))
        return (signingInput + "." + Base64URL.encode(signature), claims)
    }

    public func verify(_ token: String, now: Int64) throws(Failure) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count <= 4_096 else { throw .malformed }
        guard parts[0] == Self.header else { throw .wrongAlgorithm }
        guard let signature = Base64URL.decode(parts[2]) else { throw .malformed }
        let expected = Crypto.hmacSHA256(key: secret, message: Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count)))
        guard Crypto.constantTimeEquals(signature, expected) else { throw .badSignature }
        guard let payload = Base64URL.decode(parts[1]),
              let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
              let subject = object["sub"] as? String, let userID = Int64(subject),
              let role = object["role"] as? String, let issuedAt = (object["iat"] as? NSNumber)?.int64Value,
              let expiresAt = (object["exp"] as? NSNumber)?.int64Value, let tokenID = object["jti"] as? String
        else { throw .malformed }
        guard expiresAt > now else { throw .expired }
        return Claims(userID: userID, role: role, issuedAt: issuedAt, expiresAt: expiresAt, tokenID: tokenID)
    }
}
