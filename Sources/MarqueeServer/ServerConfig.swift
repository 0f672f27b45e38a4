import MarqueeHTTP
import MarqueeLoop

/// Everything `serve` is configured with; built from flags and environment
/// by the command line, passed by value to every shard.
public struct ServerConfig: Sendable {
    public var host = "127.0.0.1"
    /// 0 asks the kernel for a free port; the bound one is logged.
    public var port = 8080
    /// Shard threads, one event loop each.
    public var shards = 2
    public var limits = HTTPLimits()
    /// A request's head must arrive within this, and a body may not stall
    /// longer than this between reads (408 then close).
    public var headerTimeoutMilliseconds: UInt64 = 10_000
    /// A request's whole head and body must arrive within this, however
    /// steadily it trickles (408 then close).
    public var requestTimeoutMilliseconds: UInt64 = 30_000
    /// A keep-alive connection with no request in progress closes after this.
    public var idleTimeoutMilliseconds: UInt64 = 60_000
    /// Open connections over all shards; more are answered 503 and closed.
    public var maxConnections = 10_000
    /// Open connections from one peer address; more are answered 503 and closed.
    public var maxConnectionsPerAddress = 1_024
    /// Requests read ahead on one connection before reading pauses.
    public var maxPipelinedRequests = 64
    /// How long shutdown waits for in-flight requests before closing anyway.
    public var drainTimeoutMilliseconds: UInt64 = 10_000
    /// How long a closing connection may linger discarding the peer's bytes.
    public var lingerMilliseconds: UInt64 = 2_000
    /// PostgreSQL; each shard keeps one pipelined connection to it. Nil runs
    /// without a database (`/readyz` then checks nothing but shutdown).
    public var databaseURL: String?
    /// Queries a shard's connection keeps queued or in flight; past it a
    /// query fails at once, unsent (`PostgresError.tooManyQueued`).
    public var databaseQueueLimit = 10_000
    /// The time shards and features decide by (the `Date` header, token
    /// expiry); tests may drive it by hand.
    public var clock = TimeSource.system
    /// Where `/metrics` is served instead of the public listener
    /// (METRICS_ADDRESS, e.g. `0.0.0.0:9090` on a network the proxy does
    /// not expose). Nil: `/metrics` is on the public listener.
    public var metricsAddress: (host: String, port: Int)?
    /// Proxies whose `X-Forwarded-For` names the client (TRUSTED_PROXIES).
    public var trustedProxies = TrustedProxies.none

    public init() {}

    /// How often each shard checks its connections' deadlines: a quarter
    /// of the shortest timeout, between 10 ms and 1 s.
    var sweepIntervalMilliseconds: UInt64 {
        let shortest = min(headerTimeoutMilliseconds, requestTimeoutMilliseconds, idleTimeoutMilliseconds, lingerMilliseconds)
        return max(10, min(1_000, shortest / 4))
    }
}
