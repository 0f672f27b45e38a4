import Foundation

/// A fresh PostgreSQL database per test, on the cluster `scripts/test.sh`
/// starts (TEST_DATABASE_URL). Tests that need one fail without it: CI
/// always provides it.
public enum TestDatabase {
    public static var serverURL: String? { ProcessInfo.processInfo.environment["TEST_DATABASE_URL"] }

    /// `TEST_DATABASE_URL` with its database name replaced.
    public static func url(database: String) -> String? {
        guard let base = serverURL, var components = URLComponents(string: base) else { return nil }
        components.path = "/" + database
        return components.string
    }

    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UInt32.random(in: 0...UInt32.max))_\(ProcessInfo.processInfo.processIdentifier)"
    }
}
