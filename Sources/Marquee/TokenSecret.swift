import Foundation
import MarqueeCrypto

/// The key that signs access tokens: `JWT_SECRET` (at least 32 bytes) when
/// set, which every instance must share; otherwise generated once into the
/// data folder (`DATA_DIR`, default `.data`) and reused after restarts.
enum TokenSecret {
    static func load() throws -> [UInt8] {
        if let configured = Environment.string("JWT_SECRET") {
            guard configured.utf8.count >= 32 else { throw ConfigurationError("JWT_SECRET must have at least 32 bytes") }
            return Array(configured.utf8)
        }
        let directory = Environment.string("DATA_DIR") ?? ".data"
        let path = directory + "/jwt-secret"
        if let existing = FileManager.default.contents(atPath: path), existing.count >= 32 {
            return Array(existing)
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let secret = Array(Base64URL.encode(Crypto.randomBytes(48)).utf8)
        guard FileManager.default.createFile(atPath: path, contents: Data(secret), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError("cannot write \(path); set JWT_SECRET or DATA_DIR")
        }
        return secret
    }
}
