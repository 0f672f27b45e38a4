import Foundation
import MarqueeBooking
import MarqueeCatalog
import MarqueeLive
import MarqueeServer
import MarqueeTestSupport
import MarqueeUsers
import Testing

@Suite("OpenAPI document matches the API", .serialized)
final class OpenAPIDocumentTests {
    let server: MarqueeTestServer
    let document: [String: Any]
    let repositoryFile: Data

    init() throws {
        server = try MarqueeTestServer()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        repositoryFile = try Data(contentsOf: root.appendingPathComponent("openapi.json"))
        document = try #require(try JSONSerialization.jsonObject(with: repositoryFile) as? [String: Any])
    }

    deinit { server.stop() }

    var paths: [String: [String: Any]] { document["paths"] as? [String: [String: Any]] ?? [:] }

    @Test("GET /openapi.json serves the document kept in the repository")
    func servedEqualsRepository() throws {
        let response = try server.get("/openapi.json")
        #expect(response.status == 200)
        #expect(Data(response.body) == repositoryFile, "the binary embeds openapi.json at build time")
    }

    @Test("openapi.json is what docs/openapi.py generates")
    func generatorAgrees() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", root.appendingPathComponent("docs/openapi.py").path]
        let output = Pipe()
        python.standardOutput = output
        try python.run()
        let generated = output.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        #expect(generated == repositoryFile, "run scripts/openapi.sh after editing docs/openapi.py")
    }

    @Test("every route of the server is documented, and nothing else")
    func routesDocumented() throws {
        var routes = Routes()
        UserRoutes.add(to: &routes, config: UsersConfig(signer: MarqueeTestServer.signer))
        CatalogRoutes.add(to: &routes, config: CatalogConfig())
        let engine = SeatEngine(config: BookingConfig(signer: MarqueeTestServer.signer, catalog: CatalogConfig()))
        BookingRoutes.add(to: &routes, engine: engine)
        LiveRoutes.add(to: &routes, engine: engine)
        let system = ["/healthz", "/readyz", "/metrics", "/openapi.json"]
        let served = Set(routes.router.patterns.map { $0.replacingOccurrences(of: ":int}", with: "}") } + system)
        #expect(served == Set(paths.keys))
    }

    @Test("each documented path answers an undeclared method with 405 and an Allow header that matches the document")
    func allowMatches() throws {
        let methods = ["get", "post", "put", "patch", "delete"]
        for (path, item) in paths {
            let concrete = path.replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{seat}", with: "A1")
            var documented = Set(item.keys.filter { methods.contains($0) }.map { $0.uppercased() })
            if documented.contains("GET") { documented.insert("HEAD") }
            let response = try server.request("TRACE", concrete, token: nil)
            #expect(response.status == 405, "\(path)")
            let allow = Set((response.headers["allow"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(allow == documented, "\(path)")
        }
    }
}
