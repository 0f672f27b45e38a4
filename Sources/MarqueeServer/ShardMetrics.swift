/// Request counters and latency histograms of one shard. Only its own loop
/// writes them, so they are plain integers: no atomics, no shared cache
/// lines (Seastar's per-shard counters). `/metrics` asks every shard for a
/// snapshot through its job queue and sums them.
final class ShardMetrics {
    /// Histogram bucket upper bounds, in microseconds.
    static let bucketBoundsMicros: [UInt64] = [
        100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000,
        100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000,
    ]

    final class RouteStats {
        /// (status, count) pairs: a route answers few distinct statuses, so a
        /// short linear scan beats hashing.
        var byStatus: [(status: Int, count: UInt64)] = []
        var buckets = [UInt64](repeating: 0, count: ShardMetrics.bucketBoundsMicros.count + 1)
        var sumMicros: UInt64 = 0
        var count: UInt64 = 0
    }

    /// Route labels by index: the router's patterns, then the pseudo-routes.
    let routeNames: [String]
    private let routes: [RouteStats]
    let unmatchedRoute: Int
    let unparsedRoute: Int
    let timeoutRoute: Int

    init(patterns: [String]) {
        routeNames = patterns + ["unmatched", "unparsed", "timeout"]
        routes = routeNames.map { _ in RouteStats() }
        unmatchedRoute = patterns.count
        unparsedRoute = patterns.count + 1
        timeoutRoute = patterns.count + 2
    }

    var openConnections = 0
    var acceptedConnections: UInt64 = 0
    var refusedConnections: UInt64 = 0
    var parseErrors: [String: UInt64] = [:]
    var timeouts: UInt64 = 0
    /// Gauges of features on the server (see ShardAccess.gauge), by name.
    var gauges: [String: (help: String, read: () -> Double)] = [:]

    func record(route: Int, status: Int, micros: UInt64) {
        let stats = routes[route]
        if let index = stats.byStatus.firstIndex(where: { $0.status == status }) {
            stats.byStatus[index].count += 1
        } else {
            stats.byStatus.append((status, 1))
        }
        var bucket = 0
        while bucket < Self.bucketBoundsMicros.count && micros > Self.bucketBoundsMicros[bucket] { bucket += 1 }
        stats.buckets[bucket] += 1
        stats.sumMicros += micros
        stats.count += 1
    }

    func snapshot(shard: Int) -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        for (index, stats) in routes.enumerated() where stats.count > 0 {
            snapshot.routes[routeNames[index]] = MetricsSnapshot.Route(
                byStatus: Dictionary(uniqueKeysWithValues: stats.byStatus.map { ($0.status, $0.count) }),
                buckets: stats.buckets, sumMicros: stats.sumMicros, count: stats.count)
        }
        snapshot.openConnections = [shard: openConnections]
        snapshot.acceptedConnections = acceptedConnections
        snapshot.refusedConnections = refusedConnections
        snapshot.parseErrors = parseErrors
        snapshot.timeouts = timeouts
        for (name, gauge) in gauges {
            snapshot.gauges[MetricsSnapshot.GaugeKey(name: name, shard: shard)] = MetricsSnapshot.Gauge(help: gauge.help, value: gauge.read())
        }
        return snapshot
    }
}
