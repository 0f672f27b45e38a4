/// Password hashes in a self-describing string, so parameters can rise
/// later without invalidating stored hashes:
/// `scrypt$<log2 N>$<r>$<p>$<salt base64url>$<hash base64url>`.
/// scrypt is memory-hard (32 MiB at the defaults): costly on GPUs, and
/// about 60 ms on one core here, so it runs off the event loops.
public struct PasswordHasher: Sendable {
    public let logN: Int
    public let r: Int
    public let p: Int

    public init(logN: Int = 15, r: Int = 8, p: Int = 1) {
        self.logN = logN
        self.r = r
        self.p = p
    }

    public func hash(_ password: String) -> String {
        let salt = Crypto.randomBytes(16)
        let derived = Crypto.scrypt(password: Array(password.utf8), salt: salt, n: 1 << UInt64(logN),
                                    r: UInt64(r), p: UInt64(p), length: 32)!
        return "scrypt$\(logN)$\(r)$\(p)$\(Base64URL.encode(salt))$\(Base64URL.encode(derived))"
    }

    /// Checks `password` against a stored hash, with that hash's own parameters.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 6, parts[0] == "scrypt", let logN = Int(parts[1]), (10...20).contains(logN),
              let r = UInt64(parts[2]), (1...32).contains(r), let p = UInt64(parts[3]), (1...16).contains(p),
              let salt = Base64URL.decode(parts[4]), let expected = Base64URL.decode(parts[5]), !expected.isEmpty,
              let derived = Crypto.scrypt(password: Array(password.utf8), salt: salt, n: 1 << UInt64(logN), r: r, p: p,
                                          length: expected.count)
        else { return false }
        return Crypto.constantTimeEquals(derived, expected)
    }
}
