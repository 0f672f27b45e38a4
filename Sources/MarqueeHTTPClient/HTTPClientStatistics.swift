/// Counters of one client since it was made, for benchmarks and tests.
public struct HTTPClientStatistics: Sendable, Equatable {
    /// TCP connections established.
    public var connectionsOpened = 0
    /// TLS handshakes completed, full or resumed.
    public var tlsHandshakes = 0
    /// Of those, the ones that resumed an earlier session.
    public var resumedTLSHandshakes = 0
    /// Requests written to a connection (a retry counts again).
    public var requestsSent = 0
    /// Requests written to a connection that had carried an earlier one.
    public var reusedRequests = 0
    /// Requests sent again on a fresh connection after a reused one closed
    /// without answering.
    public var retriedRequests = 0
    /// Pooled connections found closed (or sent to) by the server while idle.
    public var idleConnectionsClosedByPeer = 0
    /// Connections open or opening now, over all hosts.
    public var openConnections = 0
    /// Of those, the ones idle in a pool.
    public var idleConnections = 0
    /// Requests waiting for a connection now.
    public var queuedRequests = 0

    public init() {}
}
