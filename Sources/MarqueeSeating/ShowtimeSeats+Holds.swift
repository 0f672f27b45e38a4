/// Making and changing holds on the owner shard: all-or-nothing on the
/// seat words, with the hold table, the per-user counts and the event
/// sequence kept in step. The caller persists what succeeded.
extension ShowtimeSeats {
    /// A hold made, and the user's older hold it replaced, if any.
    public struct Created: Equatable, Sendable {
        public let hold: HoldRecord
        public let replaced: HoldRecord?
    }

    /// Holds `selection` for `user` until `limits.holdTTLSeconds` from
    /// `now`. Past the per-showtime limit, the user's oldest hold not
    /// checking out is replaced: its seats are freed first (so the new hold
    /// may take them) and taken back if the new hold fails.
    public func createHold(_ selection: SeatSelection, user: Int64, limits: HoldLimits, userHolds: UserHoldCounter,
                           now: SeatTime) -> Result<Created, HoldRefusal> {
        if let closed = closedRefusal(at: now) { return .failure(closed) }

        let mine = holds.live(of: user, now: now.seconds)
        var replacing: HoldRecord?
        if mine.count >= limits.maxHoldsPerUserPerShowtime {
            guard let oldest = mine.first(where: { !$0.paying }) else { return .failure(.limitReached(holds: mine.count)) }
            replacing = oldest
        } else if !userHolds.tryAcquire(user, limit: limits.maxHoldsPerUser) {
            return .failure(.tooManyHolds(limit: limits.maxHoldsPerUser))
        }
        // Only this loop changes this showtime's words, so the replaced
        // hold's seats can be taken back if the new hold fails.
        if let replacing { map.release(replacing.seats, by: replacing.number) }

        let number = nextHoldNumber
        let expiry = now.seconds + limits.holdTTLSeconds
        var chosen: [Int]
        do throws(HoldRefusal) {
            chosen = try take(selection, for: number, until: expiry, now: now.seconds)
        } catch {
            // Gives back the slot taken above.
            if let replacing {
                _ = map.hold(replacing.seats, by: replacing.number, until: replacing.expiry, now: now.seconds)
            } else {
                userHolds.release(user)
            }
            return .failure(error)
        }
        chosen.sort()
        nextHoldNumber += 1
        let record = HoldRecord(number: number, userID: user, seats: chosen, expiry: expiry, createdUnix: now.unix, attempts: 0)
        holds[number] = record
        if let replacing {
            holds[replacing.number] = nil
            let freed = replacing.seats.filter { !chosen.contains($0) }
            if !freed.isEmpty { emit(.released, freed) }
        }
        emit(.held, chosen)
        return .success(Created(hold: record, replaced: replacing))
    }

    /// Takes the seats of `selection` in the words for hold `number`.
    private func take(_ selection: SeatSelection, for number: UInt32, until expiry: UInt32, now: UInt32) throws(HoldRefusal) -> [Int] {
        switch selection {
        case .named(let labels):
            let chosen = try indices(of: labels)
            let blocked = blocked(among: chosen)
            if !blocked.isEmpty { throw .seatsBlocked(seats: blocked) }
            if case .unavailable(let taken) = map.hold(chosen, by: number, until: expiry, now: now) {
                throw .conflict(seats: taken)
            }
            return chosen
        case .bestAvailable(let count, let category):
            if let category, !seats.contains(where: { $0.category == category }) { throw .unknownCategory(category) }
            // Try the best blocks in turn: a block taken since the snapshot
            // was read (by another shard reading, or a racing change) fails
            // its CAS and the next is tried.
            for _ in 0..<3 {
                let candidates = picker.candidates(count: count, category: category, limit: 8) { map.word($0).state(at: now) == .free }
                if candidates.isEmpty { break }
                for candidate in candidates where map.hold(candidate, by: number, until: expiry, now: now) == .held {
                    return candidate
                }
            }
            throw .noSeatsAvailable(count: count, category: category)
        }
    }

    /// Adds and removes seats in one step: the added seats are all taken
    /// (with the hold's expiry) or the hold is left as it was.
    public func changeHold(_ number: UInt32, user: Int64, add: [String], remove: [String], limits: HoldLimits,
                           now: SeatTime) -> Result<HoldRecord, HoldRefusal> {
        var hold: HoldRecord
        switch liveHold(number, user: user, now: now) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let found): hold = found
        }
        if hold.paying { return .failure(.checkoutInProgress) }
        let named: [Int]
        do throws(HoldRefusal) {
            named = try indices(of: add + remove)
        } catch {
            return .failure(error)
        }
        let adding = Array(named.prefix(add.count))
        let removing = Array(named.dropFirst(add.count))
        let current = Set(hold.seats)
        if let both = adding.first(where: { removing.contains($0) }) { return .failure(.addedAndRemoved(seat: both)) }
        let already = adding.filter(current.contains)
        guard already.isEmpty else { return .failure(.alreadyInHold(seats: already)) }
        let absent = removing.filter { !current.contains($0) }
        guard absent.isEmpty else { return .failure(.notInHold(seats: absent)) }
        let result = current.subtracting(removing).union(adding)
        guard !result.isEmpty else { return .failure(.emptyHold) }
        guard result.count <= limits.maxSeatsPerHold else { return .failure(.tooManySeats(max: limits.maxSeatsPerHold)) }
        if let closed = closedRefusal(at: now) { return .failure(closed) }
        let blocked = blocked(among: adding)
        if !blocked.isEmpty { return .failure(.seatsBlocked(seats: blocked)) }
        if !adding.isEmpty, case .unavailable(let taken) = map.hold(adding, by: number, until: hold.expiry, now: now.seconds) {
            return .failure(.conflict(seats: taken))
        }
        let freed = map.release(removing, by: number)
        hold.seats = result.sorted()
        holds[number] = hold
        if !adding.isEmpty { emit(.held, adding) }
        if !freed.isEmpty { emit(.released, freed) }
        return .success(hold)
    }
}
