import Logging
import MarqueeHTTP
import MarqueeLoop
@testable import MarqueeServer
import Testing

/// A real server on port 0 with short limits and timeouts, plus routes
/// that only tests need (echo, slow, typed id).
struct TestServer {
    let server: Server
    var port: Int { server.port }

    static func start(_ adjust: (inout ServerConfig) -> Void = { _ in }) throws -> TestServer {
        var config = ServerConfig()
        config.port = 0
        config.shards = 2
        config.limits = HTTPLimits(maxHeadBytes: 1024, maxHeaderCount: 20, maxBodyBytes: 1024)
        config.headerTimeoutMilliseconds = 400
        config.idleTimeoutMilliseconds = 600
        config.drainTimeoutMilliseconds = 3_000
        config.lingerMilliseconds = 500
        adjust(&config)
        var routes = Routes()
        routes.add(.POST, "/echo") { context in
            context.respond(HTTPResponse(status: .ok, contentType: "application/octet-stream", body: context.request.body))
        }
        routes.add(.GET, "/items/{id:int}") { context in
            context.respond(.json(.ok, "{\"id\":\(context.parameters.id("id")!)}"))
        }
        // Answers after a delay on its loop: a request still in flight.
        routes.add(.GET, "/slow") { context in
            let timer = LoopTimer(loop: context.loop)
            timer.start(after: 300) {
                context.respond(.json(.ok, "{\"slow\":true}"))
                timer.close()
            }
        }
        // Quiet: the server's own log lines would bury the test report.
        let logger = Logger(label: "marquee-test") { _ in SwiftLogNoOpLogHandler() }
        return TestServer(server: try Server.start(config: config, routes: routes, logger: logger))
    }

    /// Shuts down and checks every loop closed with no handle left.
    func stop(sourceLocation: SourceLocation = #_sourceLocation) {
        server.shutdown()
        #expect(server.waitUntilStopped() == 0, "libuv handles left open", sourceLocation: sourceLocation)
    }
}
