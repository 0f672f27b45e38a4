import MarqueeHTTP
import MarqueeLoop
import MarqueeServer
import MarqueeStore

/// The owner shard's side of showtime leases (ShowtimeLease): take one
/// before loading a seat map, renew those of loaded showtimes in the
/// background, and drop a showtime whose lease was lost, so its next
/// request goes to whichever instance owns it now.
extension OwnerShard {
    struct Lease {
        let fence: Int64
        /// Monotonic nanoseconds. Counted from before the statement that
        /// took or renewed the lease was sent, so it ends no later than the
        /// database's `expires_at` (fencing makes a late end harmless too).
        let validUntil: UInt64
    }

    private var leaseNanoseconds: UInt64 { UInt64(config.leaseSeconds) * 1_000_000_000 }

    func acquireLease(_ id: Int64, database: PostgresConnection, _ completion: @escaping (Result<Lease, APIError>) -> Void) {
        let sent = SystemClock.monotonicNanoseconds()
        database.query(ShowtimeLease.acquireSQL, [String(id), config.instanceID, config.instanceAddress, String(config.leaseSeconds)]) {
            [self] result in
            switch result {
            case .failure(let error):
                completion(.failure(APIError(databaseFailure: error)))
            case .success(let rows):
                let row = rows.rows.first
                if let fence = row?[0].flatMap({ Int64($0) }) {
                    return completion(.success(Lease(fence: fence, validUntil: sent &+ leaseNanoseconds)))
                }
                guard row?[2] == "t" else { return completion(.failure(.notFound("No such showtime."))) }
                // Another live instance holds it: whatever copy is here is stale.
                dropLost([id])
                completion(.failure(ShowtimeLease.ownedElsewhere(address: row?[1] ?? nil)))
            }
        }
    }

    /// The fence parameter of a seat write outside the batch writer
    /// (cancellations, seat blocks): 0 when the lease is gone, which the
    /// check always refuses.
    func fence(of id: Int64) -> String { String(leases[id]?.fence ?? 0) }

    /// A failed seat write's answer; a stale fence also drops the showtime.
    func refusal(_ error: PostgresError, showtime id: Int64) -> APIError {
        guard ShowtimeLease.staleShowtimes(error) != nil else { return APIError(databaseFailure: error) }
        dropLost([id])
        return ShowtimeLease.ownedElsewhere(address: nil)
    }

    /// Renews every third of the lease, so two renewals can fail before a
    /// lease runs out.
    func startRenewal() {
        guard renewal == nil else { return }
        let timer = LoopTimer(loop: access.loop)
        let every = UInt64(config.leaseSeconds) * 1_000 / 3
        timer.start(after: every, repeat: every) { [unowned self] in renewLeases() }
        renewal = timer
    }

    /// One statement for all of this shard's leases; the shard keeps
    /// serving meanwhile. A lease the answer leaves out was taken over.
    private func renewLeases() {
        guard !renewing, !leases.isEmpty, let database = access.database else { return }
        let sent = SystemClock.monotonicNanoseconds()
        let asked = leases
        renewing = true
        database.query(ShowtimeLease.renewSQL, [config.instanceID, String(config.leaseSeconds),
                                                PostgresArray.literal(asked.keys), PostgresArray.literal(asked.values.map(\.fence))]) {
            [self] result in
            renewing = false
            // Unanswered: the leases keep their local validity, past which
            // requests check them again (`showtime`).
            guard case .success(let rows) = result else { return }
            let renewed = Set(rows.rows.compactMap { $0[0].flatMap { Int64($0) } })
            var lost: [Int64] = []
            for (id, lease) in asked where leases[id]?.fence == lease.fence {
                if renewed.contains(id) {
                    leases[id] = Lease(fence: lease.fence, validUntil: sent &+ leaseNanoseconds)
                } else {
                    lost.append(id)
                }
            }
            if !lost.isEmpty { dropLost(lost) }
        }
    }

    /// A graceful shutdown, once every acknowledged write is committed:
    /// the leases end now, so another instance (or this one restarted)
    /// takes the showtimes over at once instead of after the lease time.
    func releaseLeases(_ done: @escaping () -> Void) {
        guard !leases.isEmpty, let database = access.database else { return done() }
        let ids = PostgresArray.literal(leases.keys)
        leases = [:]
        database.query("""
            UPDATE showtime_leases SET expires_at = now() - interval '1 second'
            WHERE owner = $1 AND showtime_id = ANY($2::bigint[])
            """, [config.instanceID, ids]) { _ in done() }
    }

    /// Ends one lease taken without loading the showtime (a sweep's).
    func releaseLease(_ id: Int64, fence: Int64, database: PostgresConnection) {
        database.query("""
            UPDATE showtime_leases SET expires_at = now() - interval '1 second'
            WHERE owner = $1 AND showtime_id = $2 AND fence = $3
            """, [config.instanceID, String(id), String(fence)]) { _ in }
    }

    /// Showtimes another instance took over (a renewal that missed them,
    /// a batch refused by fencing, an acquire that found another owner):
    /// their seat maps go, and their queued seat writes with them.
    func dropLost<Showtimes: Sequence<Int64>>(_ ids: Showtimes) {
        for id in ids {
            if showtimes[id] != nil {
                access.logger.warning("showtime lease lost: seat map dropped", metadata: ["showtime": .stringConvertible(id)])
            }
            forget(id)
            writer?.disown(id)
        }
    }
}
