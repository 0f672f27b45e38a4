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
        // Ready for traffic: not shutting down (and, once a database is
        // configured, reachable).
        routes.add(.GET, "/readyz") { context in
            if context.shard.isDraining {
                context.fail(APIError(.serviceUnavailable, code: "draining", message: "The server is shutting down."))
            } else {
                context.respond(.json(.ok, "{\"status\":\"ready\"}"))
            }
        }
        routes.add(.GET, "/metrics") { context in
            let startedNanos = context.shard.server.startedNanos
            context.shard.server.collectMetrics(replyOn: context.loop) { snapshot in
                let cpu = Double(mq_process_cpu_micros()) / 1e6
                let uptime = Double(MonotonicClock.nanoseconds() - startedNanos) / 1e9
                context.respond(.text(.ok, snapshot.prometheusText(processCPUSeconds: cpu, uptimeSeconds: uptime),
                                      contentType: "text/plain; version=0.0.4; charset=utf-8"))
            }
        }
    }

    static let healthBody: [UInt8] = Array("{\"status\":\"ok\"}".utf8)
}
