import MarqueeCatalog
import MarqueePayments
import MarqueeUsers

/// Settings of holds, checkout and bookings (flags and environment of `serve`).
public struct BookingConfig: Sendable {
    public var signer: TokenSigner
    /// Admin checks (seat blocks) follow the catalog's rules.
    public var catalog: CatalogConfig
    /// A hold's lifetime from its creation (HOLD_TTL_SECONDS).
    public var holdTTLSeconds: UInt32 = 600
    /// Checkout extends the hold to at least this far ahead, so it cannot
    /// expire while the provider is authorising.
    public var paymentWindowSeconds: UInt32 = 120
    public var maxSeatsPerHold = 10
    public var maxHoldsPerUserPerShowtime = 1
    public var maxHoldsPerUser = 4
    public var currency = "usd"
    /// Mock provider latency, milliseconds (PAYMENT_LATENCY_MS).
    public var paymentLatencyMilliseconds: UInt64 = 0
    /// How long after a showtime ends its seat map stays loaded.
    public var evictAfterEndSeconds: Int64 = 3_600

    public init(signer: TokenSigner, catalog: CatalogConfig) {
        self.signer = signer
        self.catalog = catalog
    }

    /// One provider per owner shard: providers are loop-bound.
    func makePaymentProvider() -> PaymentProvider {
        MockPaymentProvider(latencyMilliseconds: paymentLatencyMilliseconds)
    }
}
