/// The seat side of a checkout (see CheckoutMachine): starting one, the
/// seats turning into a booking, and what a failed checkout gives back.
extension ShowtimeSeats {
    /// Starts a checkout of the caller's live hold: extends its seats to at
    /// least `limits.paymentWindowSeconds` ahead, marks it checking out and
    /// counts the attempt. Until the checkout ends the hold cannot be
    /// changed, released, replaced, or expire.
    public func beginCheckout(_ number: UInt32, user: Int64, method: String, currency: String, limits: HoldLimits,
                              now: SeatTime) -> Result<CheckoutMachine, HoldRefusal> {
        var hold: HoldRecord
        switch liveHold(number, user: user, now: now) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let found): hold = found
        }
        if hold.paying { return .failure(.checkoutInProgress) }
        if let closed = closedRefusal(at: now) { return .failure(closed) }
        let window = max(hold.expiry, now.seconds + limits.paymentWindowSeconds)
        guard map.extend(hold.seats, by: number, until: window, now: now.seconds) else { return .failure(.holdNotFound) }
        hold.expiry = window
        hold.paying = true
        hold.attempts += 1
        holds[number] = hold
        return .success(CheckoutMachine(hold: hold, showtime: id, amountCents: total(of: hold.seats), currency: currency,
                                        method: method, labels: labels(of: hold.seats)))
    }

    /// Turns a hold's seats from held to booked (as booking `hold.number`),
    /// all or none; the hold ends and its user's slot is given back. False
    /// when the hold lost a seat: nothing changed then.
    public func bookHold(_ hold: HoldRecord, userHolds: UserHoldCounter, now: SeatTime) -> Bool {
        guard map.book(hold.seats, heldBy: hold.number, as: hold.number, now: now.seconds) else { return false }
        holds[hold.number] = nil
        userHolds.release(hold.userID)
        emit(.booked, hold.seats)
        return true
    }

    /// The hold leaves checkout: it may be changed, released or expire again.
    public func resumeHold(_ number: UInt32) {
        holds[number]?.paying = false
    }

    /// Puts a booked hold back (its booking's commit was refused): its seats
    /// held again until its expiry, its user's slot taken again. False if
    /// a seat was no longer booked by it: nothing changed then.
    public func restoreHold(_ hold: HoldRecord, userHolds: UserHoldCounter) -> Bool {
        guard map.unbook(hold.seats, booking: hold.number, backTo: hold.number, until: hold.expiry) else { return false }
        holds[hold.number] = hold
        userHolds.add(hold.userID)
        emit(.held, hold.seats)
        return true
    }

    /// Frees a cancelled booking's seats and announces the ones it still had.
    public func freeBookedSeats(_ seats: [Int], booking: UInt32) {
        let freed = map.unbook(seats, booking: booking)
        if !freed.isEmpty { emit(.released, freed) }
    }
}
