import MarqueeCore
import MarqueeSeating

/// Hold changes on the owner shard: the seat rules (MarqueeSeating) change
/// the words, the hold table and the event sequence; this persists what
/// they did (write-behind) and keeps the expiry wheel and the hold-number
/// reservations in step.
extension OwnerShard {
    func createHold(_ request: HoldRequest, user: Int64, in seats: ShowtimeSeats) -> Result<ShowtimeSeats.Created, HoldRefusal> {
        let outcome = seats.createHold(request.selection, user: user, limits: config.holdLimits, userHolds: engine.userHolds, now: now())
        if case .success(let created) = outcome {
            reserveHoldNumber(created.hold.number, in: seats)
            schedule(created.hold, in: seats)
            persist(created.hold, in: seats, status: .live, first: true)
            if let replaced = created.replaced { persist(replaced, in: seats, status: .replaced) }
        }
        return outcome
    }

    func liveHold(_ number: UInt32, user: Int64, in seats: ShowtimeSeats) -> Result<HoldRecord, HoldRefusal> {
        seats.liveHold(number, user: user, now: now())
    }

    func releaseHold(_ number: UInt32, user: Int64, in seats: ShowtimeSeats) -> HoldRefusal? {
        switch seats.releaseHold(number, user: user, userHolds: engine.userHolds, now: now()) {
        case .failure(let refusal): return refusal
        case .success(let hold):
            persist(hold, in: seats, status: .released)
            return nil
        }
    }

    func changeHold(_ number: UInt32, user: Int64, add: [String], remove: [String], in seats: ShowtimeSeats) -> Result<HoldRecord, HoldRefusal> {
        let outcome = seats.changeHold(number, user: user, add: add, remove: remove, limits: config.holdLimits, now: now())
        if case .success(let hold) = outcome { persist(hold, in: seats, status: .live) }
        return outcome
    }
}
