/// The checks hold operations share: is the showtime open, do the labels
/// exist, are seats blocked, is a hold the caller's and live.
extension ShowtimeSeats {
    /// Nil while seats are sold: not cancelled, not started at `now`.
    public func closedRefusal(at now: SeatTime) -> HoldRefusal? {
        if cancelled { return .showtimeCancelled }
        if startsAtUnix <= now.unix { return .showtimeStarted }
        return nil
    }

    /// The seat-map indices of `labels`, in order; `unknownSeats` names
    /// every label this auditorium lacks.
    public func indices(of labels: [String]) throws(HoldRefusal) -> [Int] {
        var indices: [Int] = []
        indices.reserveCapacity(labels.count)
        for label in labels {
            guard let index = labelIndex[label] else {
                throw .unknownSeats(labels: labels.filter { labelIndex[$0] == nil })
            }
            indices.append(index)
        }
        return indices
    }

    /// The blocked ones among `seats`.
    public func blocked(among seats: [Int]) -> [Int] {
        seats.filter { map.word($0).storedState == .blocked }
    }

    /// The caller's live hold: one checking out stays live past its expiry
    /// until the checkout ends.
    public func liveHold(_ number: UInt32, user: Int64, now: SeatTime) -> Result<HoldRecord, HoldRefusal> {
        guard let hold = holds[number], hold.userID == user, hold.paying || hold.expiry > now.seconds else {
            return .failure(.holdNotFound)
        }
        return .success(hold)
    }

    /// Over for `afterEnd` seconds and with no checkout under way: its
    /// memory may go (the next touch reloads it). Inlinable: the owner's
    /// tick asks it of every loaded showtime, four times a second.
    @inlinable
    public func isEvictable(at now: SeatTime, afterEnd: Int64) -> Bool {
        endsAtUnix + afterEnd < now.unix && !holds.values.contains(where: \.paying)
    }
}
