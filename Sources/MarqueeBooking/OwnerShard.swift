import Logging
import MarqueeCore
import MarqueeHTTP
import MarqueeLoop
import MarqueePayments
import MarqueeSeating
import MarqueeServer
import MarqueeStore

/// The seat engine on one shard: the showtimes this shard owns (loaded on
/// first touch once their lease is taken, dropped after they end or when
/// the lease is lost; see OwnerShard+Leases), their hold expiry wheel, the
/// group-commit writer and the payment provider. Loop thread only.
final class OwnerShard {
    struct HoldKey: Hashable {
        let showtime: Int64
        let number: UInt32
    }

    let access: ShardAccess
    let engine: SeatEngine
    var config: BookingConfig { engine.config }
    let writer: BatchWriter?
    let payments: PaymentProvider
    let reconciler: PaymentReconciler?
    private(set) var showtimes: [Int64: ShowtimeSeats] = [:]
    var loading: [Int64: [(Result<ShowtimeSeats, APIError>) -> Void]] = [:]
    /// The lease of each loaded (or loading) showtime: its fence and until
    /// when, by this process's monotonic clock, it is surely still ours.
    var leases: [Int64: Lease] = [:]
    var renewal: LoopTimer?
    var renewing = false
    private var wheel: ExpiryWheel<HoldKey>
    private var ticker: LoopTimer?
    private let plans = SeatingPlanCache()
    /// Checkouts under way or awaiting 3-D Secure, by hold.
    var checkouts: [HoldKey: CheckoutRun] = [:]
    /// Reloads waiting for the checkouts still running on a dropped copy
    /// of their showtime (`afterCheckouts`).
    private var reloadsWaiting: [Int64: [() -> Void]] = [:]
    /// Reconciliation passes under way, with who waits for each (OwnerShard+Reconciling).
    var reconciling: [Int64: [(APIError?) -> Void]] = [:]
    /// Failed refunds by intent: failures so far, and when the next try is due (monotonic ns).
    var refundRetries: [String: (tries: Int, due: UInt64)] = [:]
    var sweepTimer: LoopTimer?
    var sweeping = false
    /// A second try, after their leases could have ended, of showtimes a
    /// sweep left because another instance held them.
    var sweepFollowUp: LoopTimer?
    var followUpPending = false
    /// The attention count of the last sweep (the /metrics gauge).
    var attention = 0

    static func on(_ access: ShardAccess, engine: SeatEngine) -> OwnerShard {
        access.local(OwnerShard.self) { OwnerShard(access: access, engine: engine) }
    }

    private init(access: ShardAccess, engine: SeatEngine) {
        self.access = access
        self.engine = engine
        wheel = ExpiryWheel(now: SeatTime(unix: engine.config.clock.wallSeconds()).seconds)
        payments = engine.config.makePaymentProvider()
        if let database = access.database {
            writer = BatchWriter(database: database, loop: access.loop, logger: access.logger,
                                 writeBehindDelay: engine.config.writeBehindMilliseconds)
            reconciler = PaymentReconciler(database: database, provider: payments, loop: access.loop, logger: access.logger)
        } else {
            writer = nil
            reconciler = nil
        }
        access.onShutdownWriteBack { [unowned self] done in
            guard let writer else { return done() }
            writer.drain { [self] in releaseLeases(done) }
        }
        writer?.onFenceRefused = { [unowned self] stale in dropLost(stale) }
        access.onFinish { [unowned self] in
            for run in checkouts.values { run.stop() }
            ticker?.close()
            ticker = nil
            sweepTimer?.close()
            sweepTimer = nil
            sweepFollowUp?.close()
            sweepFollowUp = nil
            renewal?.close()
            renewal = nil
            writer?.close()
            (payments as? ClosingPaymentProvider)?.close(on: access.loop) {}
        }
        access.onCatalogChange { [unowned self] in refreshShowtimes() }
    }

    /// The moment the seat rules are given, from the engine's clock
    /// (BookingConfig.clock: tests may move it by hand).
    func now() -> SeatTime { SeatTime(unix: config.clock.wallSeconds()) }

    // MARK: Loading

    /// A showtime's seats if they are loaded here and its lease surely
    /// still ours (no closure, no wait; else `showtime` checks the lease).
    func loaded(_ id: Int64) -> ShowtimeSeats? {
        guard let seats = showtimes[id], let lease = leases[id],
              SystemClock.monotonicNanoseconds() < lease.validUntil else { return nil }
        return seats
    }

    /// A showtime's seats once this instance holds its lease: loaded from
    /// PostgreSQL after the lease is taken, or kept when a lease that ran
    /// past its local validity (a paused process) turns out to be still
    /// ours at the same fence.
    func showtime(_ id: Int64, _ completion: @escaping (Result<ShowtimeSeats, APIError>) -> Void) {
        if let loaded = loaded(id) {
            completion(.success(loaded))
            return
        }
        guard let database = access.database, reconciler != nil else {
            completion(.failure(APIError.databaseUnavailable))
            return
        }
        if loading[id] != nil {
            loading[id]!.append(completion)
            return
        }
        loading[id] = [completion]
        acquireLease(id, database: database) { [self] acquired in
            switch acquired {
            case .failure(let error):
                finishLoading(id, .failure(error))
            case .success(let lease):
                if let seats = showtimes[id], leases[id]?.fence == lease.fence {
                    leases[id] = lease
                    return finishLoading(id, .success(seats))
                }
                forget(id)
                leases[id] = lease
                startRenewal()
                afterCheckouts(of: id) { [self] in
                    // Lost again while it waited: whoever owns it now loads it.
                    guard leases[id]?.fence == lease.fence else {
                        return finishLoading(id, .failure(ShowtimeLease.ownedElsewhere(address: nil)))
                    }
                    writer?.own(id, fence: lease.fence)
                    load(id, fence: lease.fence, database: database)
                }
            }
        }
    }

    /// Reads a showtime's seat map, its payments settled first, once this
    /// shard holds its lease and nothing runs on an older copy.
    private func load(_ id: Int64, fence: Int64, database: PostgresConnection) {
        ShowtimeLoader.load(id, database: database, reconcile: { [self] in reconcile($0, loading: true, fence: fence, $1) }, plans: plans) { [self] result in
            if case .success(let seats) = result {
                showtimes[id] = seats
                for hold in seats.holds.values {
                    engine.userHolds.add(hold.userID)
                    wheel.add(HoldKey(showtime: id, number: hold.number), due: hold.expiry)
                }
                startTicker()
            } else {
                // Not renewed from now on: the lease runs out by itself.
                leases[id] = nil
            }
            finishLoading(id, result)
        }
    }

    /// Runs `body` once no checkout of showtime `id` is under way. A
    /// showtime is reloaded only then: a checkout still running on the
    /// dropped copy (its lease was lost, or it ended) writes and answers
    /// from that copy, and a map read before its writes land would not
    /// know them; the load's reconciliation leaves their attempts alone
    /// only while they are listed.
    private func afterCheckouts(of id: Int64, _ body: @escaping () -> Void) {
        guard checkouts.keys.contains(where: { $0.showtime == id }) else { return body() }
        reloadsWaiting[id, default: []].append(body)
    }

    /// A checkout is over (CheckoutRun.finish).
    func checkoutEnded(_ key: HoldKey) {
        checkouts[key] = nil
        guard reloadsWaiting[key.showtime] != nil, !checkouts.keys.contains(where: { $0.showtime == key.showtime }) else { return }
        for reload in reloadsWaiting.removeValue(forKey: key.showtime) ?? [] { reload() }
    }

    private func finishLoading(_ id: Int64, _ result: Result<ShowtimeSeats, APIError>) {
        for waiter in loading.removeValue(forKey: id) ?? [] { waiter(result) }
    }

    private func startTicker() {
        guard ticker == nil else { return }
        let timer = LoopTimer(loop: access.loop)
        timer.start(after: 250, repeat: 250) { [unowned self] in tick() }
        ticker = timer
    }

    /// A showtime's status or times changed in the catalog: re-read them.
    private func refreshShowtimes() {
        guard !showtimes.isEmpty, let database = access.database else { return }
        let ids = PostgresArray.literal(showtimes.keys)
        database.query("""
            SELECT id, status, extract(epoch FROM starts_at)::bigint, extract(epoch FROM ends_at)::bigint
            FROM showtimes WHERE id = ANY($1::bigint[])
            """, [ids]) { [self] result in
            guard case .success(let rows) = result else { return }
            for row in rows.rows {
                guard let id = row[0].flatMap({ Int64($0) }), let seats = showtimes[id] else { continue }
                seats.cancelled = row[1] == ShowtimeStatus.cancelled.rawValue
                seats.startsAtUnix = row[2].flatMap { Int64($0) } ?? seats.startsAtUnix
                seats.endsAtUnix = row[3].flatMap { Int64($0) } ?? seats.endsAtUnix
            }
        }
    }

    // MARK: Holds: the owner-side bookkeeping every change goes through

    /// Puts a hold's expiry on the wheel (it looks again if the hold was
    /// extended meanwhile).
    func schedule(_ hold: HoldRecord, in seats: ShowtimeSeats) {
        wheel.add(HoldKey(showtime: seats.id, number: hold.number), due: hold.expiry)
    }

    /// Persists a hold's current state (write-behind).
    /// `first`: the hold's first row (a hold that ends before it is sent needs none).
    func persist(_ hold: HoldRecord, in seats: ShowtimeSeats, status: HoldStatus, first: Bool = false) {
        writer?.hold(.init(showtime: seats.id, number: hold.number, user: hold.userID, seats: hold.seats,
                           expiresUnix: SeatWord.unix(seconds: hold.expiry), status: status, unwritten: first))
    }

    /// Before a hold number is used: reserves the next block of numbers in
    /// PostgreSQL when `number` is past the last reservation, so a hold
    /// that leaves no row cannot have its number given again after a restart.
    func reserveHoldNumber(_ number: UInt32, in seats: ShowtimeSeats) {
        guard number > seats.holdNumbersReserved else { return }
        seats.holdNumbersReserved = UInt32(min(Int64(number) + Self.holdNumberBlock - 1, Int64(Int32.max)))
        writer?.reserveHoldNumbers(showtime: seats.id, through: seats.holdNumbersReserved)
    }

    static let holdNumberBlock: Int64 = 1_000

    // MARK: Expiry and eviction

    private func tick() {
        let now = now()
        for key in wheel.advance(to: now.seconds) {
            guard let seats = showtimes[key.showtime] else { continue }
            // A checkout awaiting 3-D Secure past its window ends first.
            if let hold = seats.holds[key.number], hold.paying, hold.expiry <= now.seconds { _ = expireAuthentication(key) }
            switch seats.expireHold(key.number, userHolds: engine.userHolds, now: now) {
            case .gone: continue
            case .later(let due): wheel.add(key, due: due)
            case .expired(let hold): persist(hold, in: seats, status: .expired)
            }
        }
        let ended = showtimes.values.filter { $0.isEvictable(at: now, afterEnd: config.evictAfterEndSeconds) }
        guard !ended.isEmpty else { return }
        let readers = SeatMapReaders.on(access)
        for seats in ended {
            // Its map is still read after the end: answered from a copy, not a reload per request.
            readers.keepEnded(seats, now: now.seconds)
            forget(seats.id)
        }
        plans.prune(keeping: showtimes.values.map(\.plan))
    }

    /// Drops a showtime's in-memory state (its holds' slots in the per-user
    /// counts with it): after it ended, or when its lease was lost, so the
    /// next touch takes the lease and reloads it from PostgreSQL (once the
    /// checkouts still running on this copy are over: `afterCheckouts`).
    func forget(_ id: Int64) {
        leases[id] = nil
        guard let seats = showtimes.removeValue(forKey: id) else { return }
        // A checkout awaiting 3-D Secure would go on against the dropped
        // map: it is cancelled (the reload makes the hold live again).
        for (key, run) in checkouts where key.showtime == id && run.isAwaitingAuthentication { run.expire() }
        for hold in seats.holds.values { engine.userHolds.release(hold.userID) }
    }
}
