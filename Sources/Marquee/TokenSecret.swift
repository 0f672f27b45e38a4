import Foundation
import Glibc
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
        if let existing = FileManager.default.contents(atPath: path) {
            if existing.count >= 32 { return Array(existing) }
            // Damaged (a write cut short): replaced by a new key.
            unlink(path)
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let secret = Array(Base64URL.encode(Crypto.randomBytes(48)).utf8)
        try create(path, secret)
        return secret
    }

    /// Creates the file with mode 0600 from the start (the umask can only
    /// narrow it), so the key is never readable by others, not even between
    /// a write and a chmod. O_EXCL: an existing file is never overwritten.
    private static func create(_ path: String, _ contents: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ConfigurationError("cannot create \(path): \(String(cString: strerror(errno))); set JWT_SECRET or DATA_DIR")
        }
        defer { close(fd) }
        var offset = 0
        while offset < contents.count {
            let written = contents.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            guard written > 0 else {
                let reason = String(cString: strerror(errno))
                unlink(path)
                throw ConfigurationError("cannot write \(path): \(reason); set JWT_SECRET or DATA_DIR")
            }
            offset += written
        }
        guard fsync(fd) == 0 else {
            unlink(path)
            throw ConfigurationError("cannot write \(path); set JWT_SECRET or DATA_DIR")
        }
    }
}
