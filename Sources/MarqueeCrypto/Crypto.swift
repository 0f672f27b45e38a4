import COpenSSL

/// The only importer of OpenSSL: random bytes, HMAC-SHA256, SHA-1/SHA-256,
/// scrypt, and constant-time comparison, as small Swift functions.
public enum Crypto {
    /// Cryptographically secure random bytes (RAND_bytes).
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let ok = bytes.withUnsafeMutableBytes { RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(count)) }
        precondition(ok == 1, "RAND_bytes failed: no entropy")
        return bytes
    }

    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                _ = HMAC(EVP_sha256(), keyBytes.baseAddress, Int32(key.count),
                         messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count, &out, &length)
            }
        }
        return out
    }

    /// SHA-1: only for the WebSocket handshake (RFC 6455 fixes it there).
    public static func sha1(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        data.withUnsafeBytes { _ = SHA1($0.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count, &out) }
        return out
    }

    public static func sha256(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        data.withUnsafeBytes { _ = SHA256($0.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count, &out) }
        return out
    }

    /// scrypt (RFC 7914). `n` a power of two; memory is about 128 * n * r bytes.
    public static func scrypt(password: [UInt8], salt: [UInt8], n: UInt64, r: UInt64, p: UInt64, length: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: length)
        let maxMemory = 128 * n * r * p + 1024 * 1024
        let ok = password.withUnsafeBytes { pass in
            salt.withUnsafeBytes { saltBytes in
                EVP_PBE_scrypt(pass.baseAddress?.assumingMemoryBound(to: CChar.self), password.count,
                               saltBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), salt.count,
                               n, r, p, maxMemory, &out, length)
            }
        }
        return ok == 1 ? out : nil
    }

    /// Equal length and bytes, in time that does not depend on where they differ.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { left in b.withUnsafeBytes { right in
            CRYPTO_memcmp(left.baseAddress, right.baseAddress, a.count) == 0
        } }
    }
}
