import Foundation
import Logging
import MarqueeHTTP
import MarqueeLoop
@testable import MarqueeServer
import MarqueeTestSupport
import Testing

/// A real server on port 0 with short limits and timeouts, plus routes
/// that only tests need (echo, slow, stalled, typed id).
struct TestServer {
    let server: Server
    /// Requests that reached the /slow or /stall handler: a test waits for
    /// this instead of guessing how long a request takes to arrive.
    let handlersEntered: AtomicCounter
    var port: Int { server.port }

    /// How long /stall takes to answer: far past any drain limit a test sets.
    static let stallMilliseconds: UInt64 = 3_000

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
        let entered = AtomicCounter()
        var routes = Routes()
        routes.add(.POST, "/echo") { context in
            context.respond(HTTPResponse(status: .ok, contentType: "application/octet-stream", body: context.request.body))
        }
        // A cached read whose query fails before reaching a database (the
        // test server has none): the error answers through `fail`, not
        // through the fetch's own answer.
        routes.add(.GET, "/cached-read") { context in
            context.cached("/cached-read", ttlMilliseconds: 60_000) { respond in
                context.query("SELECT 1") { _ in respond(.json(.ok, "{}")) }
            }
        }
        routes.add(.GET, "/client-address") { context in
            context.respond(HTTPResponse(status: .ok, contentType: "text/plain", body: Array(context.clientAddress.utf8)))
        }
        routes.add(.GET, "/items/{id:int}") { context in
            context.respond(.json(.ok, "{\"id\":\(context.parameters.id("id")!)}"))
        }
        // Answers after a delay on its loop: a request still in flight.
        routes.add(.GET, "/slow") { context in
            entered.increment()
            let timer = LoopTimer(loop: context.loop)
            timer.start(after: 300) {
                context.respond(.json(.ok, "{\"slow\":true}"))
                timer.close()
            }
        }
        // Answers after `stallMilliseconds`, unless the shard finishes first
        // (its timer closes with the shard, so no handle is left open).
        routes.add(.GET, "/stall") { context in
            entered.increment()
            let timer = LoopTimer(loop: context.loop)
            context.shardAccess.onFinish { timer.close() }
            timer.start(after: stallMilliseconds) {
                context.respond(.json(.ok, "{\"stalled\":true}"))
                timer.close()
            }
        }
        // /readyz as a draining shard answers it. No client can ask one: the
        // drain closes the listener and stops reading every connection in
        // the loop turn that starts it. So this request starts the shutdown,
        // and once its shard drains (the drain job is queued first on this
        // loop) runs the real /readyz handler for its own answer.
        routes.add(.GET, "/readyz-while-draining") { context in
            context.shard.server.shutdown()
            LoopBound(context, loop: context.loop).execute { context in
                guard case .found(let endpoint, _, _) = context.shard.router.match(.GET, path: "/readyz") else {
                    return context.respond(.json(.notFound, "{\"readyz\":\"missing\"}"))
                }
                context.shard.routes.handlers[endpoint](context)
            }
        }
        // Quiet: the server's own log lines would bury the test report.
        let logger = Logger(label: "marquee-test") { _ in SwiftLogNoOpLogHandler() }
        return TestServer(server: try Server.start(config: config, routes: routes, logger: logger), handlersEntered: entered)
    }

    /// Shuts down and checks every loop closed with no handle left.
    func stop(sourceLocation: SourceLocation = #_sourceLocation) {
        server.shutdown()
        #expect(server.waitUntilStopped() == 0, "libuv handles left open", sourceLocation: sourceLocation)
    }
}

/// Checks `condition` every few milliseconds until it holds or `seconds`
/// pass: true if it held. For waiting on the thing itself, not a guess.
func pollUntil(seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
    try eventually(within: seconds, pollingEvery: 5, condition)
}
