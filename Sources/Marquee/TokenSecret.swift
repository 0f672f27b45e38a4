import Foundation
import MarqueeCrypto

/// The key that signs access tokens: `JWT_SECRET` (at least 32 characters)
/// when set, which every instance must share; otherwise generated once into
/// the data folder (`DATA_DIR`, default `.data`) and reused after restarts.
enum TokenSecret {
    static func load(from settings: SettingValues) throws -> [UInt8] {
        if let configured = try settings.text(.jwtSecret) {
            return Array(configured.utf8)
        }
        let directory = try settings.text(.dataDir) ?? ".data"
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
