/// How holds end without a checkout: released by their user, or expired.
/// The caller persists the ended hold with its status.
extension ShowtimeSeats {
    /// What the expiry wheel should do with a hold it found due.
    public enum Expiry: Equatable, Sendable {
        /// No such hold any more (released, replaced or booked meanwhile).
        case gone
        /// Extended meanwhile, or checking out: look again at this second.
        case later(due: UInt32)
        /// Ended now: its seats are free and announced.
        case expired(HoldRecord)
    }

    /// Releases the caller's live hold, unless it is checking out.
    public func releaseHold(_ number: UInt32, user: Int64, userHolds: UserHoldCounter, now: SeatTime) -> Result<HoldRecord, HoldRefusal> {
        switch liveHold(number, user: user, now: now) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let hold):
            if hold.paying { return .failure(.checkoutInProgress) }
            endHold(hold, announcing: .released, userHolds: userHolds)
            return .success(hold)
        }
    }

    /// Ends hold `number` if it is due at `now` and not checking out. An
    /// expired hold's words already read as free; this tidies and announces.
    public func expireHold(_ number: UInt32, userHolds: UserHoldCounter, now: SeatTime) -> Expiry {
        guard let hold = holds[number] else { return .gone }
        if hold.paying || hold.expiry > now.seconds { return .later(due: max(hold.expiry, now.seconds + 1)) }
        endHold(hold, announcing: .expired, userHolds: userHolds)
        return .expired(hold)
    }

    /// Ends a hold: frees the seats it still holds, forgets it, gives back
    /// its user's slot, and announces the freed seats as `kind`.
    public func endHold(_ hold: HoldRecord, announcing kind: SeatEvent.Kind, userHolds: UserHoldCounter) {
        let freed = map.release(hold.seats, by: hold.number)
        holds[hold.number] = nil
        userHolds.release(hold.userID)
        if !freed.isEmpty { emit(kind, freed) }
    }
}
