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
        var byStatus: [Int: UInt64] = [:]
        var buckets = [UInt64](repeating: 0, count: ShardMetrics.bucketBoundsMicros.count + 1)
        var sumMicros: UInt64 = 0
        var count: UInt64 = 0
    }

    private var routes: [String: RouteStats] = [:]
    var openConnections = 0
    var acceptedConnections: UInt64 = 0
    var refusedConnections: UInt64 = 0
    var parseErrors: [String: UInt64] = [:]
    var timeouts: UInt64 = 0

    func record(route: String, status: Int, micros: UInt64) {
        let stats: RouteStats
        if let existing = routes[route] {
            stats = existing
        } else {
            stats = RouteStats()
            routes[route] = stats
        }
        stats.byStatus[status, default: 0] += 1
        var bucket = 0
        while bucket < Self.bucketBoundsMicros.count && micros > Self.bucketBoundsMicros[bucket] { bucket += 1 }
        stats.buckets[bucket] += 1
        stats.sumMicros += micros
        stats.count += 1
    }

    func snapshot(shard: Int) -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        for (route, stats) in routes {
            snapshot.routes[route] = MetricsSnapshot.Route(
                byStatus: stats.byStatus, buckets: stats.buckets, sumMicros: stats.sumMicros, count: stats.count)
        }
        snapshot.openConnections = [shard: openConnections]
        snapshot.acceptedConnections = acceptedConnections
        snapshot.refusedConnections = refusedConnections
        snapshot.parseErrors = parseErrors
        snapshot.timeouts = timeouts
        return snapshot
    }
}
