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
        @Option(help: SettingValues.databaseURLHelp) var databaseURL: String?

        func run() throws {
            let url = try SettingValues.databaseURL(flag: databaseURL, for: "admin create")
            // From the environment, never a flag: flags show in `ps` and shell history.
            guard let password = try SettingValues().text(.adminPassword) else {
                throw ConfigurationError("set ADMIN_PASSWORD (\(Setting.adminPassword.definition.allowed)) in the environment")
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
