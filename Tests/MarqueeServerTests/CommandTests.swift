import Foundation
import MarqueeCrypto
import MarqueeStore
import MarqueeTestSupport
import Testing

/// The operator's one-shot commands, `marquee migrate` and `marquee admin
/// create`, run as the real binary against a fresh database.
@Suite("marquee migrate and admin create", .serialized)
struct CommandTests {
    /// What a finished `marquee` run left: exit status, standard output and error.
    struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    /// Runs `marquee` with `environment` over the test's own, from which
    /// the variables these commands read are removed first.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = ServedProcess.binary
        process.arguments = arguments
        var base = ProcessInfo.processInfo.environment
        for name in ["DATABASE_URL", "ADMIN_PASSWORD", "JWT_SECRET"] { base[name] = nil }
        process.environment = base.merging(environment) { _, new in new }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Both are a line or two: neither pipe can fill while the other is read.
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaints = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: printed, as: UTF8.self),
                   errors: String(decoding: complaints, as: UTF8.self))
    }

    /// A fresh, empty database (not migrated) for `body`, dropped after.
    func withEmptyDatabase(_ body: (String, BlockingConnection) throws -> Void) throws {
        let serverURL = try #require(TestDatabase.serverURL, "TEST_DATABASE_URL must point at PostgreSQL")
        let name = TestDatabase.uniqueName("command")
        let admin = try BlockingConnection(url: serverURL)
        defer {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            admin.close()
        }
        try admin.execute("CREATE DATABASE \(name)")
        let url = try #require(TestDatabase.url(database: name))
        let database = try BlockingConnection(url: url)
        defer { database.close() }
        try body(url, database)
    }

    @Test("migrate applies every migration once and records it; a second run has nothing to do")
    func migrate() throws {
        try withEmptyDatabase { url, database in
            let first = try Self.run(["migrate", "--database-url", url])
            #expect(first.status == 0, "\(first.errors)")
            let all = Migration.all.map { String($0.version) }
            #expect(first.output == "applied migrations: \(all.joined(separator: ", "))\n")
            #expect(try database.query("SELECT version FROM schema_migrations ORDER BY version").rows.map { $0[0] } == all)
            #expect(try database.query("SELECT to_regclass('bookings') IS NOT NULL").scalar == "t", "the schema is there")
            // DATABASE_URL serves as well as the flag.
            let second = try Self.run(["migrate"], environment: ["DATABASE_URL": url])
            #expect(second.status == 0, "\(second.errors)")
            #expect(second.output == "database is up to date\n")
            #expect(try database.query("SELECT count(*) FROM schema_migrations").scalar == String(all.count))
        }
    }

    @Test("migrate without a database is refused with a clear message")
    func migrateWithoutDatabase() throws {
        let run = try Self.run(["migrate"])
        #expect(run.status != 0)
        #expect(run.errors.contains("migrate needs --database-url or DATABASE_URL"), "\(run.errors)")
    }

    @Test("admin create migrates, makes an admin whose password is the one given, and promotes an existing account")
    func adminCreate() throws {
        try withEmptyDatabase { url, database in
            let password = "correct horse battery"
            let made = try Self.run(["admin", "create", "--email", " Boss@Example.com ", "--name", "Boss", "--database-url", url],
                                    environment: ["ADMIN_PASSWORD": password])
            #expect(made.status == 0, "\(made.errors)")
            let row = try #require(try database.query("SELECT id, email, name, role, password_hash FROM users").rows.first)
            #expect(made.output.contains("Boss@Example.com") && made.output.hasSuffix(" has id \(row[0] ?? "?")\n"), "\(made.output)")
            #expect(row[1] == "boss@example.com" && row[2] == "Boss" && row[3] == "admin")
            #expect(PasswordHasher.verify(password, against: row[4] ?? ""), "the stored hash is of ADMIN_PASSWORD")
            #expect(!PasswordHasher.verify("another password", against: row[4] ?? ""))

            // An existing customer, named in another case: promoted, same id, new password.
            let customer = try #require(try database.query("""
                INSERT INTO users (email, name, password_hash) VALUES ('fan@example.com', 'Fan', 'none') RETURNING id
                """).scalar)
            let promoted = try Self.run(["admin", "create", "--email", "FAN@example.com"],
                                        environment: ["ADMIN_PASSWORD": "another password", "DATABASE_URL": url])
            #expect(promoted.status == 0, "\(promoted.errors)")
            #expect(promoted.output == "admin FAN@example.com has id \(customer)\n")
            let fan = try #require(try database.query("SELECT role, name, password_hash FROM users WHERE id = $1", [customer]).rows.first)
            #expect(fan[0] == "admin" && fan[1] == "Fan")
            #expect(PasswordHasher.verify("another password", against: fan[2] ?? ""))
            #expect(try database.query("SELECT count(*) FROM users").scalar == "2")
        }
    }

    @Test("admin create is refused without a database or with a password out of bounds, and writes nothing")
    func adminCreateRefusals() throws {
        try withEmptyDatabase { url, database in
            let noDatabase = try Self.run(["admin", "create", "--email", "a@example.com"], environment: ["ADMIN_PASSWORD": "long enough"])
            #expect(noDatabase.status != 0)
            #expect(noDatabase.errors.contains("admin create needs --database-url or DATABASE_URL"), "\(noDatabase.errors)")
            for password: String? in [nil, "short12", String(repeating: "x", count: 129)] {
                let run = try Self.run(["admin", "create", "--email", "a@example.com", "--database-url", url],
                                       environment: password.map { ["ADMIN_PASSWORD": $0] } ?? [:])
                #expect(run.status != 0)
                // Missing, it is asked for; out of bounds, the settings table refuses it.
                let expected = password == nil ? "set ADMIN_PASSWORD (8 to 128 characters) in the environment"
                                               : "ADMIN_PASSWORD must have 8 to 128 characters"
                #expect(run.errors.contains(expected), "\(run.errors)")
            }
            // Refused before migrating: the database is still empty.
            #expect(try database.query("SELECT to_regclass('users') IS NULL").scalar == "t")
        }
    }
}
