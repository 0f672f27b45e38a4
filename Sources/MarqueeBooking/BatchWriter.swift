import Logging
import MarqueeLoop
import MarqueeSeating
import MarqueeStore

/// Group commit for one owner shard. Changes queue here (see below for how long);
/// one statement per batch writes them all with array parameters (one
/// `unnest` per table, data-modifying CTEs: one statement is one
/// transaction), at most one batch in flight, the next one filling while
/// it commits.
///
/// Holds and payment status changes are write-behind: a crash may lose the
/// last ones, which only frees seats or leaves a payment to reconcile.
/// Every table is written by an upsert of final states keyed like the row
/// (a later change to a queued row replaces it), or by a plain insert for
/// a payment attempt's or booking's first row (the upsert's index probe
/// and speculative insert cost PostgreSQL more than the row itself), so
/// each statement is an `unnest` with no join to plan and a prepared
/// statement's generic plan is safe: one for hold churn alone, one for
/// everything (planning each batch would be most of PostgreSQL's work
/// for a checkout; see BatchWriter+SQL.swift for the statements).
/// Bookings and checkout records are durable: their callers wait for the
/// commit of their batch (`whenCommitted`).
///
/// A batch nobody waits for gathers for `writeBehindDelay` (10 ms by default; a hold whose
/// first row was queued within that time waits for the next batch, so one
/// released a few milliseconds after it was made is never written) and commits
/// without waiting for its WAL flush (`synchronous_commit` off for that
/// transaction only): hold churn then costs PostgreSQL a few large
/// transactions instead of one small fsync'd one per loop turn, and a hold
/// released within the delay is one row written once. A batch someone
/// waits for goes at once and commits synchronously, which also makes every
/// earlier asynchronous commit durable (the WAL is flushed in order).
///
/// Rows are queued only for showtimes this shard holds the lease of.
/// Several instances: each statement carries the lease fence of every
/// showtime it writes (`own`), and refuses the whole batch when one is
/// stale (ShowtimeLease). The stale showtimes' rows are then dropped, their
/// waiters told (never a success), the shard told to drop their seat maps
/// (`onFenceRefused`), and the rest of the batch is sent again.
final class BatchWriter {
    struct HoldRow {
        let showtime: Int64
        let number: UInt32
        let user: Int64
        let seats: [Int]
        let expiresUnix: Int64
        let status: HoldStatus
        /// No row of this hold has been sent yet: if it ends (released,
        /// expired, replaced) before one is, none ever needs to be.
        var unwritten = false
        /// When its first row was queued (monotonic nanoseconds), while unwritten.
        var firstQueued: UInt64 = 0

        var key: Key { Key(showtime: showtime, number: number, attempt: 0) }
    }

    struct PaymentRow {
        let showtime: Int64
        let hold: UInt32
        let attempt: Int
        let user: Int64
        let amountCents: Int
        let currency: String
        let method: String
        var intent: String?
        var status: PaymentStatus
        var errorCode: String?
        /// No row of this attempt can be in PostgreSQL yet: a plain insert
        /// (an upsert first probes the key's index and inserts speculatively).
        var isNew = false

        var key: Key { Key(showtime: showtime, number: hold, attempt: attempt) }
    }

    /// A booking; written again with a new `paymentStatus` once captured
    /// (only `payment_status` changes then, and only from "authorized").
    struct BookingRow {
        let showtime: Int64
        let number: UInt32
        let user: Int64
        let seats: [Int]
        let labels: [String]
        let totalCents: Int
        let currency: String
        let intent: String
        var paymentStatus: BookingPaymentStatus
        /// As for payments: the booking's first row, a plain insert.
        var isNew = false

        var key: Key { Key(showtime: showtime, number: number, attempt: 0) }
    }

    /// A hold or booking (attempt 0), or a payment attempt.
    struct Key: Hashable {
        let showtime: Int64
        let number: UInt32
        let attempt: Int
    }

    private let database: PostgresConnection
    private let loop: EventLoop
    private let logger: Logger
    private var holds: [Key: HoldRow] = [:]
    private var payments: [Key: PaymentRow] = [:]
    private var bookings: [Key: BookingRow] = [:]
    /// Per showtime, the highest hold number reserved (see `reserveHoldNumbers`).
    private var reservations: [Int64: UInt32] = [:]
    /// A waiter, for one showtime's rows (nil: for everything queued).
    private typealias Waiter = (showtime: Int64?, completion: (PostgresError?) -> Void)
    private var waiters: [Waiter] = []
    /// The lease fence of each showtime this shard owns; rows of any other
    /// showtime are sent with fence 0, which the check always refuses.
    private var fences: [Int64: Int64] = [:]
    /// Called with the showtimes a batch was refused for (stale fences).
    var onFenceRefused: ((Set<Int64>) -> Void)?
    private var scheduled = false
    private var inFlight = false
    private var retryTimer: LoopTimer?
    private var gatherTimer: LoopTimer?
    private var closed = false
    /// Set while the shard shuts down: no gathering, and this is called once
    /// nothing is queued or in flight.
    private var drained: (() -> Void)?

    /// How long write-behind rows wait for company (milliseconds).
    let writeBehindDelay: UInt64

    init(database: PostgresConnection, loop: EventLoop, logger: Logger, writeBehindDelay: UInt64 = 10) {
        self.database = database
        self.loop = loop
        self.logger = logger
        self.writeBehindDelay = writeBehindDelay
    }

    func hold(_ row: HoldRow) {
        guard fences[row.showtime] != nil else { return }
        if Self.queue(row, in: &holds, now: SystemClock.monotonicNanoseconds()) { schedule() }
    }

    /// A hold's newest row replaces the queued one; a hold that ends before
    /// any row of it was sent (held and over within one gathering) leaves
    /// nothing queued: PostgreSQL never hears of it, and its number is
    /// covered by a reservation. True when a row is queued.
    static func queue(_ row: HoldRow, in holds: inout [Key: HoldRow], now: UInt64) -> Bool {
        var row = row
        if let queued = holds[row.key], queued.unwritten {
            row.unwritten = true
            row.firstQueued = queued.firstQueued
        } else if row.unwritten {
            row.firstQueued = now
        }
        // A booked hold's row is not needed either: the booking's row,
        // committed in the same batch, stands for it (seats, number, buyer).
        if row.unwritten && row.status.endsHold {
            holds[row.key] = nil
            return false
        }
        holds[row.key] = row
        return true
    }

    /// Records that hold numbers up to `number` may be in use, so a restart
    /// starts past them even if their holds left no row. Write-behind like
    /// the holds: a crash may lose both, as documented for holds.
    func reserveHoldNumbers(showtime: Int64, through number: UInt32) {
        guard fences[showtime] != nil else { return }
        reservations[showtime] = max(reservations[showtime] ?? 0, number)
        schedule()
    }

    /// An attempt's row; `isNew` for its first, which stays an insert if a
    /// later row replaces it before it is sent.
    func payment(_ row: PaymentRow) {
        guard fences[row.showtime] != nil else { return }
        var row = row
        if payments[row.key]?.isNew == true { row.isNew = true }
        payments[row.key] = row
        schedule()
    }

    func booking(_ row: BookingRow) {
        guard fences[row.showtime] != nil else { return }
        var row = row
        if bookings[row.key]?.isNew == true { row.isNew = true }
        bookings[row.key] = row
        schedule()
    }

    /// Calls `completion` when everything queued so far is committed (nil)
    /// or has failed (the error; `isUnavailable` means the outcome is unknown),
    /// except the rows of holds made within the last gathering: they are
    /// write-behind, and may end (released, booked) before they need a row.
    /// `showtime`: the rows waited for are that showtime's, so a batch
    /// refused for another showtime's stale fence does not fail this waiter.
    func whenCommitted(showtime: Int64? = nil, _ completion: @escaping (PostgresError?) -> Void) {
        if let showtime, fences[showtime] == nil { return completion(Self.ownedElsewhere(showtime)) }
        waiters.append((showtime, completion))
        schedule()
    }

    /// This shard took `showtime`'s lease at `fence`: its rows carry it.
    func own(_ showtime: Int64, fence: Int64) { fences[showtime] = fence }

    /// `showtime` is owned elsewhere now: its queued rows are dropped
    /// (never written by a stale owner) and their waiters refused.
    func disown(_ showtime: Int64) {
        fences[showtime] = nil
        holds = holds.filter { $0.key.showtime != showtime }
        payments = payments.filter { $0.key.showtime != showtime }
        bookings = bookings.filter { $0.key.showtime != showtime }
        reservations[showtime] = nil
        let refused = waiters.filter { $0.showtime == showtime }
        waiters.removeAll { $0.showtime == showtime }
        for waiter in refused { waiter.completion(Self.ownedElsewhere(showtime)) }
    }

    /// The error a waiter for a showtime no longer ours hears: the same as
    /// a batch refused by fencing.
    private static func ownedElsewhere(_ showtime: Int64) -> PostgresError {
        .server(sqlState: ShowtimeLease.fenceRefusedState, message: "showtime owned elsewhere", detail: String(showtime), constraint: nil)
    }

    var isIdle: Bool { !inFlight && holds.isEmpty && payments.isEmpty && bookings.isEmpty && reservations.isEmpty }

    /// A graceful shutdown: writes everything queued now (no gathering) and
    /// calls `done` when nothing is queued or in flight, so a restart loses
    /// no hold the server answered. The shard bounds how long this may take.
    func drain(_ done: @escaping () -> Void) {
        guard !isIdle || !waiters.isEmpty else { return done() }
        drained = done
        gatherTimer?.close()
        gatherTimer = nil
        if !inFlight && retryTimer == nil { flush() }
    }

    /// Ends a `drain` once nothing is queued, waiting or in flight.
    private func reportDrained() {
        guard isIdle, waiters.isEmpty, let done = drained else { return }
        drained = nil
        done()
    }

    /// The shard is stopping: no more retries (the loop must be able to end).
    /// Write-behind rows still queued now are lost, which only frees seats.
    func close() {
        closed = true
        retryTimer?.close()
        retryTimer = nil
        gatherTimer?.close()
        gatherTimer = nil
    }

    private func schedule() {
        guard !scheduled, !inFlight, retryTimer == nil, !closed else { return }
        if waiters.isEmpty && drained == nil {
            guard gatherTimer == nil else { return }
            let timer = LoopTimer(loop: loop)
            gatherTimer = timer
            timer.start(after: writeBehindDelay) { [unowned self] in
                gatherTimer?.close()
                gatherTimer = nil
                flush()
            }
            return
        }
        gatherTimer?.close()
        gatherTimer = nil
        scheduled = true
        // Runs after the callbacks of this loop turn: their changes share the batch.
        let bound = LoopBound(self, loop: loop)
        loop.execute {
            bound.value.scheduled = false
            bound.value.flush()
        }
    }

    private func flush() {
        guard !inFlight else { return }
        guard !(holds.isEmpty && payments.isEmpty && bookings.isEmpty && reservations.isEmpty) else {
            let done = waiters
            waiters = []
            for waiter in done { waiter.completion(nil) }
            reportDrained()
            return
        }
        let batchWaiters = waiters
        let durable = !batchWaiters.isEmpty
        var holdRows = Array(holds.values)
        holds = [:]
        if drained == nil {
            // A hold first queued less than a gathering ago waits for the next
            // batch: if it ends by then (a buyer's hold and release are usually
            // a few milliseconds apart, a hold and its checkout too), it is
            // never written. A row waits at most two gatherings. So too in a
            // batch someone waits for: nobody waits for a hold's row.
            let cutoff = SystemClock.monotonicNanoseconds() &- writeBehindDelay * 1_000_000
            holdRows.removeAll { row in
                guard row.unwritten && row.firstQueued > cutoff else { return false }
                holds[row.key] = row
                return true
            }
            if holdRows.isEmpty && payments.isEmpty && bookings.isEmpty && reservations.isEmpty {
                if durable {
                    // Only young holds queued: nothing the waiters wait for.
                    waiters = []
                    for waiter in batchWaiters { waiter.completion(nil) }
                }
                schedule()
                return
            }
        }
        let paymentRows = Array(payments.values)
        let bookingRows = Array(bookings.values)
        let reservationRows = reservations
        payments = [:]
        bookings = [:]
        reservations = [:]
        waiters = []
        inFlight = true
        // Off for write-behind only; a durable batch keeps the server's own
        // setting (which may be stronger than "on", e.g. remote_apply).
        let synchronousCommit: String? = durable ? nil : "off"
        let batchFences = Self.fences(for: holdRows, paymentRows, bookingRows, reservationRows, known: fences)
        let completion: PostgresConnection.Completion = { [self] result in
            inFlight = false
            if case .failure(let error) = result, let stale = ShowtimeLease.staleShowtimes(error) {
                return refused(stale, error, holdRows, paymentRows, bookingRows, reservationRows, batchWaiters)
            }
            var failure: PostgresError?
            if case .failure(let error) = result {
                failure = error
                if error.isUnavailable {
                    // Write-behind rows are upserts of final states: writing them
                    // again is harmless, so keep them for the next batch (newer wins).
                    // The outcome is unknown: these rows may be in PostgreSQL now,
                    // so their holds' endings must be written too.
                    for var row in holdRows where holds[row.key] == nil {
                        row.unwritten = false
                        holds[row.key] = row
                    }
                    for (showtime, number) in reservationRows { reservations[showtime] = max(reservations[showtime] ?? 0, number) }
                    for var row in paymentRows where payments[row.key] == nil {
                        row.isNew = false
                        payments[row.key] = row
                    }
                    // Bookings were waited for: their callers hear of the failure.
                    for var row in bookingRows where row.paymentStatus != .authorized && bookings[row.key] == nil {
                        row.isNew = false
                        bookings[row.key] = row
                    }
                } else {
                    logger.error("seat batch failed: a constraint the seat map should have kept", metadata: [
                        "error": .string(error.description), "holds": .stringConvertible(holdRows.count),
                        "bookings": .stringConvertible(bookingRows.count),
                    ])
                }
            }
            for waiter in batchWaiters { waiter.completion(failure) }
            if let failure, failure.isUnavailable {
                retryLater()
            } else if !isIdle || !waiters.isEmpty {
                schedule()
            } else {
                reportDrained()
            }
        }
        if paymentRows.isEmpty && bookingRows.isEmpty {
            database.query(Self.holdsStatement, Self.holdParameters(holdRows) + Self.reservationParameters(reservationRows)
                           + [synchronousCommit] + batchFences, completion)
        } else {
            database.query(Self.statement, Self.parameters(holdRows, paymentRows, bookingRows) + Self.reservationParameters(reservationRows)
                           + [synchronousCommit] + batchFences, completion)
        }
    }

    /// A batch refused by fencing: nothing of it was written. The stale
    /// showtimes' rows are dropped and their waiters refused; the others'
    /// rows go back in the queue as they were (still unsent) with their
    /// waiters, for the next batch.
    private func refused(_ stale: Set<Int64>, _ error: PostgresError, _ holdRows: [HoldRow], _ paymentRows: [PaymentRow],
                         _ bookingRows: [BookingRow], _ reservationRows: [Int64: UInt32], _ batchWaiters: [Waiter]) {
        logger.warning("seat batch refused: showtimes owned elsewhere", metadata: ["showtimes": .string("\(stale.sorted())")])
        for row in holdRows where !stale.contains(row.showtime) && holds[row.key] == nil { holds[row.key] = row }
        for row in paymentRows where !stale.contains(row.showtime) && payments[row.key] == nil { payments[row.key] = row }
        for row in bookingRows where !stale.contains(row.showtime) && bookings[row.key] == nil { bookings[row.key] = row }
        for (showtime, number) in reservationRows where !stale.contains(showtime) {
            reservations[showtime] = max(reservations[showtime] ?? 0, number)
        }
        waiters = batchWaiters.filter { !stale.contains($0.showtime ?? -1) } + waiters
        for waiter in batchWaiters where stale.contains(waiter.showtime ?? -1) { waiter.completion(error) }
        for showtime in stale { disown(showtime) }
        onFenceRefused?(stale)
        if !isIdle || !waiters.isEmpty { schedule() } else { reportDrained() }
    }

    private func retryLater() {
        guard !closed else { return }
        let timer = LoopTimer(loop: loop)
        retryTimer = timer
        timer.start(after: 500) { [self] in
            retryTimer?.close()
            retryTimer = nil
            flush()
        }
    }
}
