import MarqueeTestSupport

/// The live suites' server: room for several watchers from this one
/// address and holds per user, and a laggard cut off after one second.
func liveTestServer() throws -> MarqueeTestServer {
    try MarqueeTestServer { config in
        config.maxWatchersPerAddress = 12
        config.maxHoldsPerUser = 10
        config.liveMaxLagMilliseconds = 1_000
    }
}

extension MarqueeTestServer {
    /// A gauge's value on each shard, from /metrics.
    func gauge(_ name: String) throws -> [Double] {
        try request("GET", "/metrics", token: nil).text.split(separator: "\n")
            .filter { $0.hasPrefix(name + "{shard=") }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
    }

    /// Live watchers the server counts over its shards.
    func liveWatcherCount() throws -> Double { try gauge("marquee_live_watchers").reduce(0, +) }
}
