import MarqueeHTTP

/// A copy of shards' metrics, summed over shards and rendered in the
/// Prometheus text format (version 0.0.4).
struct MetricsSnapshot: Sendable {
    struct Route: Sendable {
        var byStatus: [Int: UInt64]
        var buckets: [UInt64]
        var sumMicros: UInt64
        var count: UInt64
    }

    var routes: [String: Route] = [:]
    var openConnections: [Int: Int] = [:]
    var acceptedConnections: UInt64 = 0
    var refusedConnections: UInt64 = 0
    var parseErrors: [String: UInt64] = [:]
    var timeouts: UInt64 = 0
    /// Features' gauges, one value per shard.
    var gauges: [GaugeKey: Gauge] = [:]

    struct Gauge: Sendable {
        var help: String
        var value: Double
    }

    struct GaugeKey: Hashable, Sendable {
        var name: String
        var shard: Int
    }

    mutating func merge(_ other: MetricsSnapshot) {
        for (name, route) in other.routes {
            guard var mine = routes[name] else {
                routes[name] = route
                continue
            }
            mine.byStatus.merge(route.byStatus, uniquingKeysWith: +)
            for index in mine.buckets.indices { mine.buckets[index] += route.buckets[index] }
            mine.sumMicros += route.sumMicros
            mine.count += route.count
            routes[name] = mine
        }
        openConnections.merge(other.openConnections, uniquingKeysWith: +)
        acceptedConnections += other.acceptedConnections
        refusedConnections += other.refusedConnections
        parseErrors.merge(other.parseErrors, uniquingKeysWith: +)
        timeouts += other.timeouts
        gauges.merge(other.gauges) { $1 }
    }

    func prometheusText(processCPUSeconds: Double, uptimeSeconds: Double) -> String {
        var out = ""
        out += "# HELP marquee_http_requests_total HTTP requests answered, by route pattern and status.\n"
        out += "# TYPE marquee_http_requests_total counter\n"
        let routeNames = routes.keys.sorted()
        for name in routeNames {
            for (status, count) in routes[name]!.byStatus.sorted(by: { $0.key < $1.key }) {
                out += "marquee_http_requests_total{route=\(label(name)),status=\"\(status)\"} \(count)\n"
            }
        }
        out += "# HELP marquee_http_request_duration_seconds Time from a request's parse to its response's encoding.\n"
        out += "# TYPE marquee_http_request_duration_seconds histogram\n"
        for name in routeNames {
            let route = routes[name]!
            var cumulative: UInt64 = 0
            for (index, bound) in ShardMetrics.bucketBoundsMicros.enumerated() {
                cumulative += route.buckets[index]
                out += "marquee_http_request_duration_seconds_bucket{route=\(label(name)),le=\"\(Double(bound) / 1e6)\"} \(cumulative)\n"
            }
            cumulative += route.buckets.last!
            out += "marquee_http_request_duration_seconds_bucket{route=\(label(name)),le=\"+Inf\"} \(cumulative)\n"
            out += "marquee_http_request_duration_seconds_sum{route=\(label(name))} \(Double(route.sumMicros) / 1e6)\n"
            out += "marquee_http_request_duration_seconds_count{route=\(label(name))} \(route.count)\n"
        }
        out += "# HELP marquee_http_open_connections Open client connections, by shard.\n"
        out += "# TYPE marquee_http_open_connections gauge\n"
        for (shard, count) in openConnections.sorted(by: { $0.key < $1.key }) {
            out += "marquee_http_open_connections{shard=\"\(shard)\"} \(count)\n"
        }
        out += "# HELP marquee_http_connections_accepted_total Connections accepted.\n"
        out += "# TYPE marquee_http_connections_accepted_total counter\n"
        out += "marquee_http_connections_accepted_total \(acceptedConnections)\n"
        out += "# HELP marquee_http_connections_refused_total Connections refused at the connection limit.\n"
        out += "# TYPE marquee_http_connections_refused_total counter\n"
        out += "marquee_http_connections_refused_total \(refusedConnections)\n"
        out += "# HELP marquee_http_parse_errors_total Requests rejected by the parser, by error code.\n"
        out += "# TYPE marquee_http_parse_errors_total counter\n"
        for (code, count) in parseErrors.sorted(by: { $0.key < $1.key }) {
            out += "marquee_http_parse_errors_total{code=\(label(code))} \(count)\n"
        }
        out += "# HELP marquee_http_timeouts_total Requests answered 408 because the client was too slow.\n"
        out += "# TYPE marquee_http_timeouts_total counter\n"
        out += "marquee_http_timeouts_total \(timeouts)\n"
        let gaugeNames = Set(gauges.keys.map(\.name)).sorted()
        for name in gaugeNames {
            let shards = gauges.filter { $0.key.name == name }.sorted { $0.key.shard < $1.key.shard }
            out += "# HELP \(name) \(shards[0].value.help)\n"
            out += "# TYPE \(name) gauge\n"
            for (key, gauge) in shards { out += "\(name){shard=\"\(key.shard)\"} \(gauge.value)\n" }
        }
        out += "# HELP process_cpu_seconds_total User and system CPU time of the process.\n"
        out += "# TYPE process_cpu_seconds_total counter\n"
        out += "process_cpu_seconds_total \(processCPUSeconds)\n"
        out += "# HELP marquee_uptime_seconds Seconds since the server started.\n"
        out += "# TYPE marquee_uptime_seconds gauge\n"
        out += "marquee_uptime_seconds \(uptimeSeconds)\n"
        return out
    }

    /// A label value in quotes, escaped as the text format asks.
    private func label(_ value: String) -> String {
        var escaped = "\""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped + "\""
    }
}
