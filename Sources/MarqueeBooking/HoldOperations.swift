import Glibc
import MarqueeCore
import MarqueeHTTP
import MarqueeSeating

/// Hold changes on the owner shard: create (named or best available,
/// replacing the user's older hold past the per-showtime limit), change
/// seats, release. Each is all-or-nothing on the seat words.
extension OwnerShard {
    func createHold(_ request: HoldRequest, user: Int64, in seats: ShowtimeSeats) -> Result<[UInt8], APIError> {
        let now = Self.now()
        if let closed = closedError(seats) { return .failure(closed) }

        // Past the per-showtime limit, the oldest hold not mid-checkout is replaced.
        let mine = seats.holds.live(of: user, now: now)
        var replacing: HoldRecord?
        if mine.count >= config.maxHoldsPerUserPerShowtime {
            guard let oldest = mine.first(where: { !$0.paying }) else {
                return .failure(APIError(.tooManyRequests, code: "hold_limit_reached",
                                         message: "You already have \(mine.count) hold(s) on this showtime, checking out."))
            }
            replacing = oldest
        } else if !engine.userHolds.tryAcquire(user, limit: config.maxHoldsPerUser) {
            return .failure(APIError(.tooManyRequests, code: "too_many_holds",
                                     message: "You have \(config.maxHoldsPerUser) live holds; release or buy one first."))
        }
        // Returns the slot taken above when the hold is not made.
        func giveUp(_ error: APIError) -> Result<[UInt8], APIError> {
            if let replacing {
                _ = seats.map.hold(replacing.seats, by: replacing.number, until: replacing.expiry, now: now)
            } else {
                engine.userHolds.release(user)
            }
            return .failure(error)
        }
        // Tentatively free the replaced hold's seats; only this loop changes
        // this showtime's words, so they can be taken back if the new hold fails.
        if let replacing { seats.map.release(replacing.seats, by: replacing.number) }

        let number = seats.nextHoldNumber
        let expiry = now + config.holdTTLSeconds
        var chosen: [Int]
        switch request {
        case .seats(let labels):
            do throws(APIError) {
                chosen = try seats.indices(of: labels)
            } catch {
                return giveUp(error)
            }
            if let blocked = seats.blockedError(chosen) { return giveUp(blocked) }
            if case .unavailable(let taken) = seats.map.hold(chosen, by: number, until: expiry, now: now) {
                return giveUp(APIError(.conflict, code: "seats_unavailable", message: "Some of these seats are taken; nothing was held.",
                                       detailsJSON: "\"seats\":\(BookingJSON.labels(seats.labels(of: taken)))"))
            }
        case .bestAvailable(let count, let category):
            if let category, !seats.seats.contains(where: { $0.category == category }) {
                return giveUp(APIError(.unprocessableContent, code: "unknown_category",
                                       message: "This auditorium has no '\(category)' seats."))
            }
            // Try the best blocks in turn: a block taken since the snapshot
            // was read (by another shard reading, or a racing change) fails
            // its CAS and the next is tried.
            var held: [Int]?
            for _ in 0..<3 where held == nil {
                let candidates = seats.picker.candidates(count: count, category: category, limit: 8) {
                    seats.map.word($0).state(at: now) == .free
                }
                if candidates.isEmpty { break }
                for candidate in candidates where seats.map.hold(candidate, by: number, until: expiry, now: now) == .held {
                    held = candidate
                    break
                }
            }
            guard let held else {
                return giveUp(APIError(.conflict, code: "no_seats_available",
                                       message: "No \(count) adjacent \(category.map { "\($0) " } ?? "")seats are free in one row."))
            }
            chosen = held
        }
        chosen.sort()
        seats.nextHoldNumber += 1
        reserveHoldNumber(number, in: seats)
        let record = HoldRecord(number: number, userID: user, seats: chosen, expiry: expiry,
                                createdUnix: Int64(time(nil)), attempts: 0)
        track(record, in: seats)
        persist(record, in: seats, status: "live", first: true)
        if let replacing {
            seats.holds[replacing.number] = nil
            persist(replacing, in: seats, status: "replaced")
            let freed = replacing.seats.filter { !chosen.contains($0) }
            if !freed.isEmpty { seats.emit(.released, freed) }
        }
        seats.emit(.held, chosen)
        return .success(BookingJSON.hold(record, in: seats, currency: config.currency, replaced: replacing?.number))
    }

    /// The caller's live hold, or 404 (someone else's hold is not found either).
    func liveHold(_ number: UInt32, user: Int64, in seats: ShowtimeSeats) -> Result<HoldRecord, APIError> {
        guard let hold = seats.holds[number], hold.userID == user, hold.paying || hold.expiry > Self.now() else {
            return .failure(Self.holdNotFound)
        }
        return .success(hold)
    }

    static let holdNotFound = APIError(.notFound, code: "hold_not_found", message: "No such live hold of yours (it may have expired).")
    static let checkoutInProgress = APIError(.conflict, code: "checkout_in_progress", message: "This hold is being checked out.")

    func releaseHold(_ number: UInt32, user: Int64, in seats: ShowtimeSeats) -> APIError? {
        switch liveHold(number, user: user, in: seats) {
        case .failure(let error): return error
        case .success(let hold):
            if hold.paying { return Self.checkoutInProgress }
            end(hold, in: seats, status: "released", event: .released)
            return nil
        }
    }

    /// Adds and removes seats in one step: the added seats are all taken
    /// (with the hold's expiry) or the hold is left as it was.
    func changeHold(_ number: UInt32, user: Int64, add: [String], remove: [String], in seats: ShowtimeSeats) -> Result<[UInt8], APIError> {
        var hold: HoldRecord
        switch liveHold(number, user: user, in: seats) {
        case .failure(let error): return .failure(error)
        case .success(let found): hold = found
        }
        if hold.paying { return .failure(Self.checkoutInProgress) }
        let named: [Int]
        do throws(APIError) {
            named = try seats.indices(of: add + remove)
        } catch {
            return .failure(error)
        }
        let adding = Array(named.prefix(add.count))
        let removing = Array(named.dropFirst(add.count))
        let current = Set(hold.seats)
        if let both = adding.first(where: { removing.contains($0) }) {
            return .failure(APIError(.badRequest, code: "invalid_field", message: "Seat \(seats.seats[both].label) is both added and removed."))
        }
        let already = adding.filter(current.contains)
        guard already.isEmpty else {
            return .failure(APIError(.unprocessableContent, code: "seats_already_held", message: "These seats are already in the hold.",
                                     detailsJSON: "\"seats\":\(BookingJSON.labels(seats.labels(of: already)))"))
        }
        let absent = removing.filter { !current.contains($0) }
        guard absent.isEmpty else {
            return .failure(APIError(.unprocessableContent, code: "seats_not_in_hold", message: "These seats are not in the hold.",
                                     detailsJSON: "\"seats\":\(BookingJSON.labels(seats.labels(of: absent)))"))
        }
        let result = current.subtracting(removing).union(adding)
        guard !result.isEmpty else {
            return .failure(APIError(.unprocessableContent, code: "empty_hold", message: "A hold keeps at least one seat; DELETE it to let go."))
        }
        guard result.count <= config.maxSeatsPerHold else { return .failure(HoldRequest.tooMany(config.maxSeatsPerHold)) }
        if let closed = closedError(seats) { return .failure(closed) }
        if let blocked = seats.blockedError(adding) { return .failure(blocked) }
        if !adding.isEmpty, case .unavailable(let taken) = seats.map.hold(adding, by: number, until: hold.expiry, now: Self.now()) {
            return .failure(APIError(.conflict, code: "seats_unavailable", message: "Some of these seats are taken; the hold is unchanged.",
                                     detailsJSON: "\"seats\":\(BookingJSON.labels(seats.labels(of: taken)))"))
        }
        let freed = seats.map.release(removing, by: number)
        hold.seats = result.sorted()
        seats.holds[number] = hold
        persist(hold, in: seats, status: "live")
        if !adding.isEmpty { seats.emit(.held, adding) }
        if !freed.isEmpty { seats.emit(.released, freed) }
        return .success(BookingJSON.hold(hold, in: seats, currency: config.currency))
    }

    /// 409 for a showtime that is cancelled or has started.
    func closedError(_ seats: ShowtimeSeats) -> APIError? {
        if seats.cancelled {
            return APIError(.conflict, code: "showtime_cancelled", message: "This showtime was cancelled.")
        }
        if seats.startsAtUnix <= Int64(time(nil)) {
            return APIError(.conflict, code: "showtime_started", message: "This showtime has started; seats are no longer sold.")
        }
        return nil
    }
}
