import MarqueeCatalog
import MarqueeLoop
import MarqueePayments
import MarqueeSeating
import MarqueeUsers

/// Settings of holds, checkout and bookings (flags and environment of `serve`).
public struct BookingConfig: Sendable {
    public var signer: TokenSigner
    /// Admin checks (seat blocks) follow the catalog's rules.
    public var catalog: CatalogConfig
    /// A hold's lifetime from its creation (HOLD_TTL_SECONDS).
    public var holdTTLSeconds: UInt32 = 600
    /// Checkout extends the hold to at least this far ahead, so it cannot
    /// expire while the provider is authorising, and keeps it so long for
    /// a buyer who has to pass 3-D Secure (PAYMENT_WINDOW_SECONDS).
    public var paymentWindowSeconds: UInt32 = 300
    /// A booking can be cancelled until this long before its showtime
    /// starts (BOOKING_CANCEL_CUTOFF_MINUTES).
    public var cancelCutoffMinutes = 60
    /// The key Stripe signs webhook events with (STRIPE_WEBHOOK_SECRET,
    /// environment only); without it the webhook route refuses every event.
    public var stripeWebhookSecret: [UInt8]?
    /// How often each shard settles the payments left in flight of the
    /// showtimes it owns (the first time at start). Not a flag: tests shorten it.
    public var reconcileIntervalMilliseconds: UInt64 = 60_000
    /// A refund that failed is tried again after this, doubling each time
    /// up to an hour. Not a flag: tests shorten it.
    public var refundRetryMilliseconds: UInt64 = 30_000
    public var maxSeatsPerHold = 10
    public var maxHoldsPerUserPerShowtime = 1
    public var maxHoldsPerUser = 4
    public var currency = "usd"
    /// Mock provider latency, milliseconds (PAYMENT_LATENCY_MS).
    public var paymentLatencyMilliseconds: UInt64 = 0
    /// Makes each owner shard's payment provider, on that shard's loop
    /// (PAYMENT_PROVIDER); nil: the mock.
    public var paymentProvider: (@Sendable () -> PaymentProvider)?
    /// Live seat-map watchers in total and per client address (LIVE_MAX_WATCHERS,
    /// LIVE_MAX_WATCHERS_PER_ADDRESS); past them the upgrade is refused.
    public var maxWatchers = 20_000
    public var maxWatchersPerAddress = 200
    /// A watcher with more unsent bytes than this skips deltas until it drains
    /// (then a fresh snapshot); one lagging longer than the second limit is closed (1013).
    public var liveMaxUnsentBytes = 256 * 1024
    public var liveMaxLagMilliseconds: UInt64 = 10_000
    /// Changes of one showtime are gathered for this long before a delta goes
    /// out (LIVE_COALESCE_MS; 0: every loop turn): fewer, fuller frames per
    /// watcher, at the price of this much added latency at most.
    public var liveCoalesceMilliseconds: UInt64 = 50
    /// A showtime's watchers on a shard are split into this many groups with
    /// phase-shifted windows (LIVE_GROUPS): its deltas go out in this many
    /// smaller bursts spread over the window (see LiveHub). Eight measured
    /// better than four at 5,000 and 10,000 watchers of one showtime (p99
    /// 78-87 against 87-107 ms at a 70 ms window; 144-177 against 198 ms at
    /// 100 ms), with the same frames per watcher.
    public var liveGroups = 8
    /// A showtime's watchers on a shard open one group per this many (up to
    /// `liveGroups`): a group is worth its own encode and timer only for a
    /// crowd (100 watchers on each of 100 showtimes in eight groups of a
    /// few: p50 25 -> 47 ms, p99 118 -> 157 against four) (LIVE_GROUP_SIZE).
    public var liveGroupSize = 128
    /// Serve `/v1/ws-echo` (WebSocket echo, for conformance suites); off by default.
    public var webSocketEcho = false
    /// How long write-behind rows (holds) gather before their batch goes, in
    /// milliseconds: a hold that ends (released, booked) within it is never
    /// written. Not a flag: tests lengthen it to make that window certain.
    public var writeBehindMilliseconds: UInt64 = 10
    /// The time holds, checkouts and showtimes are judged by; tests may
    /// drive it by hand (TimeSource.manual).
    public var clock = TimeSource.system
    /// How long after a showtime ends its seat map stays loaded.
    public var evictAfterEndSeconds: Int64 = 3_600
    /// This process in `showtime_leases.owner`: random at each start, so a
    /// restarted instance is a new owner (it takes its showtimes over with
    /// a new fence, like any other instance).
    public var instanceID = BookingConfig.randomInstanceID()
    /// Where peers reach this instance (INSTANCE_ADDRESS), recorded with
    /// its leases and named to a client a non-owner turns away.
    public var instanceAddress: String?
    /// A showtime lease's lifetime (LEASE_SECONDS); renewed every third of
    /// it while the seat map is loaded. After an owner dies, its showtimes
    /// can move to another instance within this time.
    public var leaseSeconds = 10

    /// The seat rules' share of these settings.
    var holdLimits: HoldLimits {
        var limits = HoldLimits()
        limits.holdTTLSeconds = holdTTLSeconds
        limits.paymentWindowSeconds = paymentWindowSeconds
        limits.maxSeatsPerHold = maxSeatsPerHold
        limits.maxHoldsPerUserPerShowtime = maxHoldsPerUserPerShowtime
        limits.maxHoldsPerUser = maxHoldsPerUser
        return limits
    }

    public init(signer: TokenSigner, catalog: CatalogConfig) {
        self.signer = signer
        self.catalog = catalog
    }

    /// The mock provider's memory, one for every shard (see MockPaymentLedger).
    public let mockPayments = MockPaymentLedger()

    /// The mock provider is in use: its test endpoints are served
    /// (MockPaymentRoutes). False once a real provider is configured.
    public var usesMockProvider: Bool { paymentProvider == nil }

    static func randomInstanceID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt32, radix: 16) }.joined(separator: "-")
    }

    /// One provider per owner shard: providers are loop-bound.
    func makePaymentProvider() -> PaymentProvider {
        paymentProvider?() ?? MockPaymentProvider(latencyMilliseconds: paymentLatencyMilliseconds, ledger: mockPayments)
    }
}
