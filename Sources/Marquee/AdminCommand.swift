import Foundation
import ArgumentParser
import MarqueeCrypto
import MarqueeStore

/// `marquee admin create`: makes (or promotes) an administrator.
struct AdminCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Manage administrators.", subcommands: [Create.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an admin account, or give an existing account the admin role.")

        @Option(help: "The admin's email.") var email: String
        @Option(help: "Display name.") var name = "Administrator"
        @Option(help: "PostgreSQL URL (env DATABASE_URL).") var databaseURL: String?

        func run() throws {
            guard let url = databaseURL ?? Environment.string("DATABASE_URL") else {
                throw ConfigurationError("admin create needs --database-url or DATABASE_URL")
            }
            // From the environment, never a flag: flags show in `ps` and shell history.
            guard let password = Environment.string("ADMIN_PASSWORD"), (8...128).contains(password.count) else {
                throw ConfigurationError("set ADMIN_PASSWORD (8 to 128 characters) in the environment")
            }
            try Migrator.migrate(url: url)
            let db = try BlockingConnection(url: url)
            defer { db.close() }
            let result = try db.query("""
                INSERT INTO users (email, name, password_hash, role) VALUES (lower($1), $2, $3, 'admin')
                ON CONFLICT (lower(email)) DO UPDATE SET role = 'admin', password_hash = EXCLUDED.password_hash
                RETURNING id
                """, [email.trimmingCharacters(in: .whitespaces), name, PasswordHasher().hash(password)])
            print("admin \(email) has id \(result.scalar ?? "?")")
        }
    }
}
