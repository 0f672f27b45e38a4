import Foundation
import MarqueeTestSupport
import Testing

/// `/readyz` says ready or not; why the database is unreachable goes to the
/// log, never to whoever asks (host names, ports, users and server
/// versions are in libpq's messages).
@Suite("Readiness")
struct ReadinessTests {
    @Test("with the database unreachable, /readyz is 503 not ready, without the database's error text")
    func notReadyWithoutErrorText() throws {
        // Nothing listens on port 1: every connection attempt is refused.
        let server = try TestServer.start { $0.databaseURL = "postgresql://marquee_user@127.0.0.1:1/marquee_db?sslmode=disable" }
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        try client.send(get("/readyz"))
        let response = try client.readResponse()
        #expect(response.status == 503)
        let error = (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["error"] as? [String: Any]
        #expect(error?["code"] as? String == "database_unavailable", "\(response)")
        #expect(error?["details"] == nil, "\(response)")
        for leak in ["127.0.0.1", "marquee_user", "marquee_db", "refused", "connect"] {
            #expect(!response.text.contains(leak), "\(response.text)")
        }
        #expect(response.headers["retry-after"] != nil)
    }
}
