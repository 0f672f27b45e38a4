import Foundation
import Glibc
import MarqueeStore
import MarqueeTestSupport
import MarqueeUsers
import Testing

/// A token in `?token=` on the live seat map (browsers cannot set headers
/// on a WebSocket) is a credential in a URL: neither our log, at its most
/// verbose, nor the proxy's access log may keep it.
@Suite("Live map token not logged", .serialized)
struct TokenNotLoggedTests {
    static let secret = "token-log-secret-of-at-least-32-bytes"

    @Test("the server's log at trace level never holds a ?token= it was sent")
    func serverLog() throws {
        let serverURL = try #require(TestDatabase.serverURL, "TEST_DATABASE_URL must point at PostgreSQL")
        let name = TestDatabase.uniqueName("tokenlog")
        let admin = try BlockingConnection(url: serverURL)
        try admin.execute("CREATE DATABASE \(name)")
        defer {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            admin.close()
        }
        let url = try #require(TestDatabase.url(database: name))
        let server = try ServedProcess.start(arguments: ["serve", "--port", "0", "--shards", "1"],
                                             environment: ["DATABASE_URL": url, "JWT_SECRET": Self.secret, "LOG_LEVEL": "trace"])
        defer {
            server.signal(SIGTERM)
            #expect(server.waitForExit() == 0)
        }
        let signer = TokenSigner(secret: Array(Self.secret.utf8), lifetimeSeconds: 600)
        let valid = signer.issue(userID: 1, role: "customer", now: Int64(time(nil))).token
        let expired = signer.issue(userID: 1, role: "customer", now: Int64(time(nil)) - 3_600).token
        let garbage = "not-a-token-but-secret-looking-7f3a9c"
        let upgrade = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        var answered = 0
        for token in [valid, expired, garbage] {
            for showtime in ["1", "999999"] {
                let client = try TestClient(port: server.port)
                try client.send("GET /v1/showtimes/\(showtime)/live?token=\(token) HTTP/1.1\r\nHost: test\r\n\(upgrade)\r\n")
                if (try? client.readResponse(forHead: true)) != nil { answered += 1 }
            }
            // A malformed request with the token in its target.
            let bad = try TestClient(port: server.port)
            try bad.send("GET /v1/showtimes/1/live?token=\(token) HTTP/1.1\r\nHost: test\r\nContent-Length: x\r\n\r\n")
            _ = try? bad.readResponse()
        }
        #expect(answered == 6)
        let client = try TestClient(port: server.port)
        try client.send(get("/metrics"))
        _ = try client.readResponse()
        for token in [valid, expired, garbage] {
            #expect(!server.log.contains(token), "the log holds a token")
            #expect(!server.log.contains("token="), "the log holds a query with a token")
        }
    }

    @Test("the proxy in deploy/nginx.conf keeps no access log with query strings")
    func proxyLog() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let conf = try String(contentsOf: root.appendingPathComponent("deploy/nginx.conf"), encoding: .utf8)
        let lines = conf.split(separator: "\n").map { $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }
        let directives = lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let accessLogs = directives.filter { $0.hasPrefix("access_log") }
        #expect(!accessLogs.isEmpty, "access_log is stated, not left to nginx's default (the combined format logs $request)")
        for directive in accessLogs where directive != "access_log off;" {
            // A format of its own, without the request line or the query string.
            let format = directive.split(separator: " ").dropFirst(2).first.map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: ";")) }
            #expect(format != nil && format != "combined", "\(directive): the default format logs $request")
        }
        let formats = conf.components(separatedBy: "log_format").dropFirst()
        for format in formats {
            let body = format.prefix { $0 != ";" }
            for variable in ["$request ", "$request\"", "$request_uri", "$args", "$query_string", "$arg_token"] {
                #expect(!body.contains(variable), "log_format with \(variable) logs ?token=")
            }
        }
    }
}
