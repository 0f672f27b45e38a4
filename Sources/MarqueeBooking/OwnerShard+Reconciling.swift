import Logging
import MarqueeHTTP
import MarqueeLoop
import MarqueeServer
import MarqueeStore

/// Reconciliation on each owner shard: when a showtime loads, at start
/// (once the shard's database connection is up, and after every
/// reconnect), and every `reconcileIntervalMilliseconds`, for the
/// showtimes this shard owns that have payments in flight or failed
/// refunds (PaymentReconciler does the settling). One pass per showtime
/// at a time; a load waits for a pass under way. A pass runs under the
/// showtime's lease: a sweep takes the lease of a showtime nobody holds
/// for the length of its pass, and leaves to its owner one that another
/// instance holds, so two instances never settle the same showtime. The provider is called
/// from the owner's loop without holding anything other requests wait on.
extension OwnerShard {
    /// Bookings with a failed refund plus attempts whose outcome is
    /// unknown, per showtime, and the showtimes that have anything to settle.
    static let sweepSQL = """
        SELECT showtime_id, sum(attention)::bigint FROM (
            SELECT showtime_id, (status = 'unknown')::int AS attention FROM payments
            WHERE status IN ('authorizing', 'requires_action', 'authorized', 'unknown')
            UNION ALL
            SELECT showtime_id, (payment_status = 'refund_failed')::int FROM bookings
            WHERE (status = 'confirmed' AND payment_status = 'authorized') OR payment_status = 'refund_failed'
        ) u GROUP BY showtime_id
        """

    /// Starts the sweeps (SeatEngine.start calls it on every shard).
    func startReconciling() {
        guard sweepTimer == nil, access.database != nil else { return }
        access.gauge("marquee_payments_attention",
                     help: "Failed refunds and attempts of unknown outcome in the showtimes a shard owns, as of its last sweep.") {
            [unowned self] in Double(attention)
        }
        let timer = LoopTimer(loop: access.loop)
        let interval = config.reconcileIntervalMilliseconds
        timer.start(after: interval, repeat: interval) { [unowned self] in sweep() }
        sweepTimer = timer
        // Now if connected, and after every (re)connect; a NOTIFY asks for one too.
        access.listen("marquee_payments", ready: { [unowned self] in sweep() }) { [unowned self] _ in sweep() }
        startWebhookRelay()
    }

    /// Settles one showtime's payments: the load's pass, or a sweep's.
    func reconcile(_ showtime: Int64, loading: Bool, fence: Int64, _ completion: @escaping (APIError?) -> Void) {
        guard let reconciler else { return completion(APIError.databaseUnavailable) }
        if reconciling[showtime] != nil {
            reconciling[showtime]!.append(completion)
            return
        }
        reconciling[showtime] = [completion]
        var pass = PaymentReconciler.Pass(fence: fence)
        // A loaded map is the truth for its seats: nothing is booked behind its back.
        pass.mayBook = loading || showtimes[showtime] == nil
        pass.underWay = { [unowned self] number in checkouts[HoldKey(showtime: showtime, number: number)] != nil }
        pass.mayRefund = { [unowned self] intent in (refundRetries[intent]?.due ?? 0) <= SystemClock.monotonicNanoseconds() }
        pass.refunded = { [unowned self] intent, succeeded in
            if succeeded { refundRetries[intent] = nil } else { refundFailed(intent) }
        }
        reconciler.reconcile(showtime: showtime, pass) { [self] error in
            for waiter in reconciling.removeValue(forKey: showtime) ?? [] { waiter(error) }
        }
    }

    /// A refund failed: tried again after the retry delay, doubling with
    /// each failure up to an hour.
    func refundFailed(_ intent: String) {
        let tries = (refundRetries[intent]?.tries ?? 0) + 1
        let delay = min(config.refundRetryMilliseconds << min(tries - 1, 20), 3_600_000)
        refundRetries[intent] = (tries, SystemClock.monotonicNanoseconds() + delay * 1_000_000)
    }

    private func sweep() {
        guard !sweeping, let database = access.database else { return }
        sweeping = true
        database.query(Self.sweepSQL) { [self] result in
            guard case .success(let rows) = result else {
                sweeping = false
                return
            }
            var mine: [Int64] = []
            var attention = 0
            for row in rows.rows {
                guard let id = row[0].flatMap({ Int64($0) }),
                      SeatEngine.owner(of: id, shards: access.server.shardCount) == access.index else { continue }
                mine.append(id)
                attention += Int(row[1] ?? "0") ?? 0
            }
            self.attention = attention
            reconcileEach(mine[...])
        }
    }

    /// `elsewhere` gathers the showtimes another instance's lease kept
    /// from this pass. They are tried once more when that lease could have
    /// run out (an instance that died, or this process's own predecessor
    /// killed before a restart, holds it until then); a live owner renews
    /// it meanwhile and settles them itself.
    private func reconcileEach(_ ids: ArraySlice<Int64>, elsewhere: [Int64] = [], followUp: Bool = false) {
        guard let id = ids.first else {
            sweeping = false
            if !followUp && !elsewhere.isEmpty { scheduleFollowUp(elsewhere) }
            return
        }
        let next = { [self] (error: APIError?) in
            var elsewhere = elsewhere
            if let error {
                if error.code == ShowtimeLease.ownedElsewhereCode {
                    elsewhere.append(id)
                } else {
                    access.logger.warning("reconciliation pass failed", metadata: [
                        "showtime": .stringConvertible(id), "error": .string(error.message),
                    ])
                }
            }
            reconcileEach(ids.dropFirst(), elsewhere: elsewhere, followUp: followUp)
        }
        if loaded(id) != nil, let lease = leases[id] { return reconcile(id, loading: false, fence: lease.fence, next) }
        guard let database = access.database else { return next(APIError.databaseUnavailable) }
        acquireLease(id, database: database) { [self] acquired in
            switch acquired {
            case .failure(let error):
                next(error)
            case .success(let lease):
                reconcile(id, loading: false, fence: lease.fence) { [self] error in
                    // Kept when a request loaded the showtime meanwhile.
                    if leases[id] == nil && loading[id] == nil { releaseLease(id, fence: lease.fence, database: database) }
                    next(error)
                }
            }
        }
    }

    private func scheduleFollowUp(_ ids: [Int64]) {
        guard !followUpPending else { return }
        followUpPending = true
        let timer = sweepFollowUp ?? LoopTimer(loop: access.loop)
        sweepFollowUp = timer
        timer.start(after: UInt64(config.leaseSeconds) * 1_000 + 500) { [unowned self] in
            followUpPending = false
            guard !sweeping else { return }
            sweeping = true
            reconcileEach(ids[...], followUp: true)
        }
    }
}

extension SeatEngine {
    /// Starts what runs on every shard without a request: the payment
    /// reconciliation at start and its periodic sweeps. Call once the
    /// server is started.
    public func start(on server: Server) {
        for index in 0..<server.shardCount {
            server.onShard(index) { [self] access in OwnerShard.on(access, engine: self).startReconciling() }
        }
    }
}
