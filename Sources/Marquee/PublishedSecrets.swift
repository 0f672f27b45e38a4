/// Token keys that were ever written in this repository: in an example, a
/// script or an old compose default. Anyone who reads the repository can
/// sign an admin token with them, so `serve` refuses each as JWT_SECRET.
/// A test scans the tracked files and fails when a key assigned to
/// JWT_SECRET there is missing from this list; scripts and tests that run
/// the server generate theirs at random.
enum PublishedSecrets {
    static let all: Set<String> = [
        "change-me-this-is-only-a-demo-secret-0123456789",
        "benchmark-secret-of-at-least-32-bytes",
        "autobahn-secret-of-at-least-32-bytes-long",
        "crash-test-secret-of-at-least-32-bytes",
    ]

    static func refuse(_ secret: [UInt8]) throws {
        guard all.contains(String(decoding: secret, as: UTF8.self)) else { return }
        let setting = Setting.jwtSecret.definition
        throw ConfigurationError("\(setting.variable) is a key published in Marquee's repository, so anyone can sign tokens "
                                 + "with it; make your own: openssl rand -base64 48")
    }
}
