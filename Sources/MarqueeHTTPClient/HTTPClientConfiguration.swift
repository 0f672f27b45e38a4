/// How an `HTTPClient` connects, waits and pools. Timeouts are in
/// milliseconds of the loop's clock.
public struct HTTPClientConfiguration: Sendable {
    /// Connections kept or opening per host (scheme, host, port); requests
    /// beyond it queue until one is free.
    public var maxConnectionsPerHost = 8
    /// From the start of name resolution to an established TCP connection.
    public var connectTimeoutMilliseconds: UInt64 = 3_000
    /// From an established TCP connection to a finished TLS handshake.
    public var tlsHandshakeTimeoutMilliseconds: UInt64 = 5_000
    /// From the request sent to the whole response received.
    public var readTimeoutMilliseconds: UInt64 = 10_000
    /// An unused pooled connection is closed after this long.
    public var idleTimeoutMilliseconds: UInt64 = 30_000
    /// Off: one connection per request, with `Connection: close`.
    public var reuseConnections = true
    /// Resume the TLS session of an earlier connection to the same host.
    public var resumesTLSSessions = true
    /// A PEM file of trusted CAs; nil: the system bundle.
    public var caFile: String? = nil
    /// A longer decoded body fails the request (`invalidResponse`).
    public var maxResponseBodyBytes = 1 << 20

    public init() {}
}
