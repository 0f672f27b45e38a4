import Foundation
import Logging
@testable import Marquee
import MarqueeBooking
import MarqueeServer
import MarqueeTestSupport
import MarqueeUsers
import Testing

/// The settings table: where a value comes from, what is refused, and that
/// help and the README say what the table says.
@Suite("Settings table")
struct SettingsTests {
    /// Two different values a setting accepts, as flag and variable would give them.
    static func twoValues(_ definition: SettingDefinition) -> (String, String) {
        switch definition.kind {
        case .integer(let range): return (String(range.lowerBound), String(range.lowerBound + 1))
        case .text: return ("first", "second")
        case .choice(let words): return (words[0], words[1])
        case .toggle: return ("1", "0")
        case .secret(let lengths): return (String(repeating: "a", count: lengths.lowerBound), String(repeating: "b", count: lengths.lowerBound))
        }
    }

    static func environment(_ variables: [String: String]) -> @Sendable (String) -> String? {
        { variables[$0] }
    }

    static var publicSettings: [Setting] { Setting.allCases.filter { !$0.definition.isSecret } }

    @Test("a flag beats its variable, which beats the default", arguments: SettingsTests.publicSettings)
    func precedence(setting: Setting) throws {
        let definition = setting.definition
        let (flagValue, variableValue) = Self.twoValues(definition)
        let flag = definition.kind == .toggle ? [definition.flag!] : [definition.flag!, flagValue]
        let both = try SettingValues(arguments: flag, environment: Self.environment([definition.variable: variableValue]))
        #expect(try both.resolve(setting)?.value == flagValue)
        #expect(try both.resolve(setting)?.source == .flag)
        let variable = try SettingValues(arguments: [], environment: Self.environment([definition.variable: variableValue]))
        #expect(try variable.resolve(setting)?.value == variableValue)
        #expect(try variable.resolve(setting)?.source == .environment)
        let neither = try SettingValues(arguments: [], environment: Self.environment([:]))
        let resolved = try neither.resolve(setting)
        if case .none = definition.defaultValue {
            #expect(resolved == nil)
        } else {
            #expect(resolved?.source == .defaultValue)
        }
    }

    @Test("every default passes its own rules, and nothing set gives the structs' defaults")
    func defaults() throws {
        let values = SettingValues(environment: Self.environment([:]))
        for setting in Setting.allCases { _ = try values.resolve(setting) }
        let server = try values.serverConfig(), plain = ServerConfig()
        #expect(server.host == plain.host && server.port == plain.port && server.maxConnections == plain.maxConnections)
        #expect(server.limits == plain.limits && server.databaseURL == nil)
        #expect(server.headerTimeoutMilliseconds == plain.headerTimeoutMilliseconds)
        #expect(server.idleTimeoutMilliseconds == plain.idleTimeoutMilliseconds)
        #expect(server.drainTimeoutMilliseconds == plain.drainTimeoutMilliseconds)
        #expect(server.shards == CPUQuota.shards())
        #expect(server.trustedProxies.isEmpty)
        #expect(try values.logLevel() == Logger.Level.info)
        #expect(try values.toggle(.websocketEcho) == false)
    }

    @Test("every token key assigned to JWT_SECRET in the repository's files is refused by serve")
    func publishedSecretsListed() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        git.arguments = ["-C", root.path, "ls-files", "-z"]
        let listing = Pipe()
        git.standardOutput = listing
        try git.run()
        let files = String(decoding: listing.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\0")
        git.waitUntilExit()
        #expect(files.count > 100, "git ls-files listed the repository")
        let assignment = try Regex(#"JWT_SECRET["']?\s*[:=]\s*["']?([A-Za-z0-9_+/=.-]{32,})"#)
        var found: Set<String> = []
        for file in files {
            guard let text = try? String(contentsOf: root.appendingPathComponent(String(file)), encoding: .utf8) else { continue }
            for match in text.matches(of: assignment) { found.insert(String(match.output[1].substring!)) }
        }
        #expect(found.contains("change-me-this-is-only-a-demo-secret-0123456789"), "the scan finds the refusal test's own key")
        #expect(found.subtracting(PublishedSecrets.all).isEmpty, "add to PublishedSecrets: \(found.subtracting(PublishedSecrets.all))")
        for secret in PublishedSecrets.all {
            #expect(throws: ConfigurationError.self) { try PublishedSecrets.refuse(Array(secret.utf8)) }
        }
        #expect(throws: Never.self) { try PublishedSecrets.refuse(Array("a-key-nobody-has-seen-0123456789abcdef".utf8)) }
    }

    @Test("the shard default is the cgroup CPU quota rounded up, never above the cores online")
    func cpuQuota() throws {
        #expect(CPUQuota.cpus("200000 100000\n") == 2)
        #expect(CPUQuota.cpus("150000 100000") == 2)
        #expect(CPUQuota.cpus("50000 100000") == 1)
        #expect(CPUQuota.cpus("max 100000") == nil)
        #expect(CPUQuota.cpus("") == nil)
        let online = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cpu.max-\(getpid())").path
        defer { unlink(file) }
        try "100000 100000\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(CPUQuota.shards(cpuMax: file) == 1)
        try "6400000 100000\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(CPUQuota.shards(cpuMax: file) == online, "a quota above the machine's cores gets the cores")
        #expect(CPUQuota.shards(cpuMax: "/nonexistent/cpu.max") == online)
    }

    @Test("TRUSTED_PROXIES reaches the server's configuration; a bad range is refused naming the setting")
    func trustedProxies() throws {
        let values = SettingValues(environment: Self.environment(["TRUSTED_PROXIES": "10.0.0.0/8, ::1"]))
        let proxies = try values.serverConfig().trustedProxies
        #expect(proxies.trusts("10.2.3.4") && proxies.trusts("::1") && !proxies.trusts("11.0.0.1"))
        let bad = SettingValues(environment: Self.environment(["TRUSTED_PROXIES": "10.0.0.0/40"]))
        #expect { try bad.serverConfig() } throws: { "\($0)".contains("TRUSTED_PROXIES") && "\($0)".contains("10.0.0.0/40") }
    }

    @Test("METRICS_ADDRESS is host:port or [ipv6]:port; anything else is refused")
    func metricsAddress() throws {
        let address = try SettingValues(environment: Self.environment(["METRICS_ADDRESS": "0.0.0.0:9090"])).serverConfig().metricsAddress
        #expect(address?.host == "0.0.0.0" && address?.port == 9090)
        #expect(SettingValues.hostAndPort("[::1]:0")! == ("::1", 0))
        for bad in ["9090", ":9090", "host:", "host:70000", "host:x"] {
            #expect(SettingValues.hostAndPort(bad) == nil, "\(bad)")
        }
        #expect(throws: ConfigurationError.self) {
            try SettingValues(environment: Self.environment(["METRICS_ADDRESS": "9090"])).serverConfig()
        }
    }

    @Test("each setting reaches its own field of the configuration")
    func settingsReachTheirFields() throws {
        // Distinct values, so a setting wired to another's field shows.
        let flags: [(Setting, Int)] = [
            (.port, 1_001), (.shards, 3), (.maxConnections, 1_002), (.maxHeadBytes, 1_003), (.maxHeaders, 1_004),
            (.maxBodyBytes, 1_005), (.headerTimeoutMs, 1_006), (.idleTimeoutMs, 1_007), (.drainTimeoutMs, 1_008),
            (.tokenTTLSeconds, 1_009), (.loginLimitPerEmail, 1_010), (.loginLimitPerAddress, 1_011),
            (.holdTTLSeconds, 1_012), (.maxSeatsPerHold, 13), (.maxHoldsPerShowtime, 14), (.maxHoldsPerUser, 1_015),
            (.paymentLatencyMs, 1_016), (.liveMaxWatchers, 1_017), (.liveMaxWatchersPerAddress, 1_018),
            (.liveCoalesceMs, 19), (.liveGroups, 20), (.liveGroupSize, 1_021),
        ]
        let arguments = flags.flatMap { [$0.0.definition.flag!, String($0.1)] }
            + ["--host", "127.0.0.9", "--database-url", "postgresql://x", "--log-level", "ERROR", "--websocket-echo"]
        let secret = String(repeating: "s", count: 32)
        let values = try SettingValues(arguments: arguments, environment: Self.environment(["JWT_SECRET": secret, "ADMIN_TOKEN": "boot"]))
        let server = try values.serverConfig()
        let serverFields: [Int] = [server.port, server.shards, server.maxConnections, server.limits.maxHeadBytes,
                                   server.limits.maxHeaderCount, server.limits.maxBodyBytes, Int(server.headerTimeoutMilliseconds),
                                   Int(server.idleTimeoutMilliseconds), Int(server.drainTimeoutMilliseconds)]
        #expect(serverFields == [1_001, 3, 1_002, 1_003, 1_004, 1_005, 1_006, 1_007, 1_008])
        #expect(server.host == "127.0.0.9" && server.databaseURL == "postgresql://x")
        #expect(try values.logLevel() == Logger.Level.error)
        let signer = try values.tokenSigner()
        #expect(signer.lifetimeSeconds == 1_009)
        let users = try values.usersConfig(signer: signer, shards: 1)
        let usersFields: [Int] = [users.loginAttemptsPerEmail, users.loginAttemptsPerAddress]
        #expect(usersFields == [1_010, 1_011])
        let catalog = try values.catalogConfig(signer: signer)
        #expect(catalog.adminToken == "boot")
        let booking = try values.bookingConfig(signer: signer, catalog: catalog)
        let bookingFields: [Int] = [Int(booking.holdTTLSeconds), booking.maxSeatsPerHold, booking.maxHoldsPerUserPerShowtime,
                                    booking.maxHoldsPerUser, Int(booking.paymentLatencyMilliseconds), booking.maxWatchers,
                                    booking.maxWatchersPerAddress, Int(booking.liveCoalesceMilliseconds), booking.liveGroups,
                                    booking.liveGroupSize]
        #expect(bookingFields == [1_012, 13, 14, 1_015, 1_016, 1_017, 1_018, 19, 20, 1_021])
        #expect(booking.webSocketEcho)
    }

    @Test("an integer out of range is refused, naming the setting, its flag and its variable",
          arguments: Setting.allCases.filter { if case .integer = $0.definition.kind { return true } else { return false } })
    func outOfRange(setting: Setting) throws {
        let definition = setting.definition
        guard case .integer(let range) = definition.kind else { return }
        var wrong = [String(range.lowerBound - 1), "ten"]
        if range.upperBound < Int.max { wrong.append(String(range.upperBound + 1)) }
        for value in wrong {
            let fromFlag = #expect(throws: ConfigurationError.self) {
                _ = try SettingValues(arguments: [definition.flag!, value], environment: Self.environment([:]))
            }
            let message = fromFlag?.description ?? ""
            #expect(message.hasPrefix("\(definition.flag!) must be"), "\(message)")
            #expect(message.contains("got '\(value)'") && message.contains(definition.variable) && message.contains("setting \(definition.name)"))
            let fromVariable = #expect(throws: ConfigurationError.self) {
                _ = try SettingValues(environment: Self.environment([definition.variable: value])).resolve(setting)
            }
            #expect(fromVariable?.description.hasPrefix("\(definition.variable) must be") == true, "\(fromVariable?.description ?? "")")
        }
        let inRange = try SettingValues(environment: Self.environment([definition.variable: String(range.upperBound)])).integer(setting)
        #expect(inRange == range.upperBound)
    }

    @Test("a secret has no flag, is refused as one, and is never echoed")
    func secrets() throws {
        let secrets = Setting.allCases.filter(\.definition.isSecret)
        #expect(Set(secrets.map(\.definition.variable)) == ["JWT_SECRET", "ADMIN_TOKEN", "ADMIN_PASSWORD"])
        for setting in secrets {
            let definition = setting.definition
            #expect(definition.flag == nil)
            let refusal = #expect(throws: (any Error).self) {
                _ = try SettingValues(arguments: ["--\(definition.name)", "hunter2hunter2"], environment: Self.environment([:]))
            }
            #expect(refusal.map { "\($0)" }?.contains("\(definition.variable) is a secret") == true)
        }
        let short = "short-secret-of-31-characters.."
        let refusal = #expect(throws: ConfigurationError.self) {
            _ = try SettingValues(environment: Self.environment(["JWT_SECRET": short])).text(.jwtSecret)
        }
        #expect(refusal?.description.contains("JWT_SECRET must have 32 or more characters") == true)
        #expect(refusal?.description.contains(short) == false)
    }

    @Test("holds per user below holds per showtime are refused, naming both")
    func holdsPerUserCoverPerShowtime() throws {
        let values = try SettingValues(arguments: ["--max-holds-per-user", "2"],
                                       environment: Self.environment(["MAX_HOLDS_PER_SHOWTIME": "3"]))
        let signer = TokenSigner(secret: Array(repeating: 1, count: 32))
        let refusal = #expect(throws: ConfigurationError.self) {
            _ = try values.bookingConfig(signer: signer, catalog: try values.catalogConfig(signer: signer))
        }
        #expect(refusal?.description.contains("MAX_HOLDS_PER_USER") == true)
        #expect(refusal?.description.contains("MAX_HOLDS_PER_SHOWTIME") == true)
    }
}
