/// What the Stripe provider needs. The secret key is kept out of every
/// description: printing a configuration never shows it.
public struct StripeConfiguration: Sendable, CustomStringConvertible {
    /// The API version every request pins (`Stripe-Version`), so the
    /// account's default version can change without changing our answers.
    public static let apiVersion = "2024-06-20"
    public static let defaultAPIBase = "https://api.stripe.com"

    public var secretKey: String
    /// `https://host[:port]` without a path: Stripe's, or a local fake's in tests.
    public var apiBase = StripeConfiguration.defaultAPIBase
    /// PEM CA bundle the server's certificate must chain to; nil: the system's.
    public var caFile: String?
    public var retry = StripeRetryPolicy()
    public var connectTimeoutMilliseconds: UInt64 = 5_000
    /// How long an answer may take once the request is sent: past it the
    /// call is retried with the same idempotency key.
    public var readTimeoutMilliseconds: UInt64 = 10_000
    /// Connections per shard to the API host.
    public var maxConnections = 16
    /// Keep-alive connections reused across calls (off: one TLS handshake per call).
    public var reuseConnections = true

    public init(secretKey: String) {
        self.secretKey = secretKey
    }

    /// Test mode keys start `sk_test_` (or `rk_test_`, restricted); live ones `sk_live_`.
    public var isLiveKey: Bool { secretKey.hasPrefix("sk_live_") || secretKey.hasPrefix("rk_live_") }

    public var description: String {
        "StripeConfiguration(apiBase: \(apiBase), caFile: \(caFile ?? "system"), key: \(isLiveKey ? "live" : "test") <redacted>)"
    }
}
