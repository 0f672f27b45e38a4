import CMarqueeShims
import MarqueeHTTP
import MarqueeLoop

/// Operational endpoints every instance serves.
enum SystemRoutes {
    static func add(to routes: inout Routes, server: Server) {
        // Process up and its loop turning: what a liveness probe needs.
        routes.add(.GET, "/healthz") { context in
            context.respond(.json(.ok, healthBody))
        }
        // Ready for traffic: not shutting down, and the shard's database
        // connection (when there is a database) is up and answers.
        routes.add(.GET, "/readyz") { context in
            if context.shard.isDraining {
                context.fail(APIError(.serviceUnavailable, code: "draining", message: "The server is shutting down."))
                return
            }
            guard let database = context.shard.database else {
                context.respond(.json(.ok, "{\"status\":\"ready\",\"database\":\"not_configured\"}"))
                return
            }
            database.query("SELECT 1") { result in
                switch result {
                case .success:
                    context.respond(.json(.ok, "{\"status\":\"ready\",\"database\":\"ok\"}"))
                case .failure:
                    // Ready or not, nothing more: libpq's text names hosts,
                    // users and databases, and the connection logs it already.
                    context.fail(APIError(.serviceUnavailable, code: "database_unavailable",
                                          message: "Not ready: the database is not reachable; retrying in the background.",
                                          headers: [HTTPResponse.Field(name: "Retry-After", value: "1")]))
                }
            }
        }
        routes.add(.GET, "/openapi.json") { context in
            context.respond(.json(.ok, openAPIBody))
        }
        routes.add(.GET, "/metrics") { context in
            let startedNanos = context.shard.server.startedNanos
            context.shard.server.collectMetrics(replyOn: context.loop) { snapshot in
                let cpu = Double(mq_process_cpu_micros()) / 1e6
                let uptime = Double(SystemClock.monotonicNanoseconds() - startedNanos) / 1e9
                context.respond(.text(.ok, snapshot.prometheusText(processCPUSeconds: cpu, uptimeSeconds: uptime),
                                      contentType: "text/plain; version=0.0.4; charset=utf-8"))
            }
        }
    }

    static let openAPIBody: [UInt8] = Array(OpenAPIDocument.text.utf8)

    static let healthBody: [UInt8] = Array("{\"status\":\"ok\"}".utf8)
}
