import Synchronization

/// One showtime's seats as an array of atomic words, one per seat, in a
/// cache-line aligned block: 8 bytes a seat, no lock. Any thread may read
/// it or try a change; changes are compare-and-swaps on single words.
///
/// All-or-nothing holds take seats in ascending index order and give back
/// the ones taken at the first conflict. Everyone takes in the same order,
/// so two overlapping holds cannot livelock each other: one of them meets
/// the other's first shared seat and backs off.
///
/// Memory ordering: every successful CAS is acquiring-and-releasing and
/// every load acquiring, so a thread that sees a word also sees what its
/// writer did before (the hold record the owner shard keeps beside it).
/// Rollback CASes only ever undo this thread's own words.
public final class SeatMap: @unchecked Sendable {
    // @unchecked: the words are atomics; `count` and `words` never change.
    public let count: Int
    private let words: UnsafeMutablePointer<Atomic<UInt64>>

    public init(count: Int) {
        precondition(count > 0 && count <= 65_536, "a seat map has 1 to 65536 seats")
        self.count = count
        // One allocation, 64-byte aligned: neighbouring showtimes never
        // share a cache line, and a row of seats spans few lines.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<UInt64>.stride, alignment: 64)
        words = raw.bindMemory(to: Atomic<UInt64>.self, capacity: count)
        for index in 0..<count { (words + index).initialize(to: Atomic(0)) }
    }

    deinit {
        words.deinitialize(count: count)
        UnsafeMutableRawPointer(words).deallocate()
    }

    public func word(_ seat: Int) -> SeatWord {
        SeatWord(raw: words[seat].load(ordering: .acquiring))
    }

    /// Sets a word outright: for loading a map from the database before
    /// it is shared, and for admin blocking of free seats (see `block`).
    public func store(_ seat: Int, _ word: SeatWord) {
        words[seat].store(word.raw, ordering: .releasing)
    }

    private func exchange(_ seat: Int, expected: SeatWord, desired: SeatWord) -> Bool {
        words[seat].compareExchange(expected: expected.raw, desired: desired.raw,
                                    ordering: .acquiringAndReleasing).exchanged
    }

    public enum HoldOutcome: Equatable, Sendable {
        case held
        /// Nothing was held; these requested seats were taken (held, booked or blocked).
        case unavailable([Int])
    }

    /// Holds every seat in `seats` for `hold` until `expiry`, or none.
    /// `seats` must be distinct valid indices (any order). The success path
    /// does not allocate: the sorted order and the words replaced live in
    /// stack scratch space (microbenchmark: Benchmarks/micro.sh).
    public func hold(_ seats: [Int], by hold: UInt32, until expiry: UInt32, now: UInt32) -> HoldOutcome {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: seats.count) { scratch in
            var ordered = scratch
            _ = ordered.initialize(from: seats)
            ordered.sort()
            return withUnsafeTemporaryAllocation(of: SeatWord.self, capacity: seats.count) { previous in
                holdSorted(UnsafeBufferPointer(ordered), previous, by: hold, until: expiry, now: now)
            }
        }
    }

    private func holdSorted(_ ordered: UnsafeBufferPointer<Int>, _ previous: UnsafeMutableBufferPointer<SeatWord>,
                            by hold: UInt32, until expiry: UInt32, now: UInt32) -> HoldOutcome {
        let desired = SeatWord.held(by: hold, until: expiry)
        // previous[i]: what ordered[i] held before (free, or an expired hold),
        // so a rollback puts back exactly that.
        for (taken, seat) in ordered.enumerated() {
            var current = word(seat)
            var won = false
            while current.state(at: now) == .free {
                if exchange(seat, expected: current, desired: desired) {
                    won = true
                    break
                }
                current = word(seat)
            }
            guard won else {
                // Give back what this call took, newest first, then report
                // every requested seat that is not free.
                for index in stride(from: taken - 1, through: 0, by: -1) {
                    _ = exchange(ordered[index], expected: desired, desired: previous[index])
                }
                return .unavailable(ordered.filter { $0 == seat || word($0).state(at: now) != .free })
            }
            previous[taken] = current
        }
        return .held
    }

    /// Frees the seats still held by `hold`; returns the ones it freed.
    @discardableResult
    public func release(_ seats: [Int], by hold: UInt32) -> [Int] {
        seats.filter { seat in
            var current = word(seat)
            while current.storedState == .held && current.owner == hold {
                if exchange(seat, expected: current, desired: .free) { return true }
                current = word(seat)
            }
            return false
        }
    }

    /// Moves a live hold's expiry (payment in progress); false if any seat
    /// is no longer held by it, and then nothing changed.
    public func extend(_ seats: [Int], by hold: UInt32, until expiry: UInt32, now: UInt32) -> Bool {
        var changed: [(Int, SeatWord)] = []
        for seat in seats.sorted() {
            let current = word(seat)
            guard current.isHeld(by: hold, at: now),
                  exchange(seat, expected: current, desired: .held(by: hold, until: expiry)) else {
                for (undo, previous) in changed.reversed() {
                    _ = exchange(undo, expected: .held(by: hold, until: expiry), desired: previous)
                }
                return false
            }
            changed.append((seat, current))
        }
        return true
    }

    /// Turns a live hold into a booking, all seats or none. False when the
    /// hold expired or lost a seat: nothing is booked then.
    public func book(_ seats: [Int], heldBy hold: UInt32, as booking: UInt32, now: UInt32) -> Bool {
        var changed: [(Int, SeatWord)] = []
        for seat in seats.sorted() {
            let current = word(seat)
            guard current.isHeld(by: hold, at: now), exchange(seat, expected: current, desired: .booked(by: booking)) else {
                for (undo, previous) in changed.reversed() {
                    _ = exchange(undo, expected: .booked(by: booking), desired: previous)
                }
                return false
            }
            changed.append((seat, current))
        }
        return true
    }

    /// Frees the seats booked by `booking` (a cancelled booking); returns the ones it freed.
    @discardableResult
    public func unbook(_ seats: [Int], booking: UInt32) -> [Int] {
        seats.filter { exchange($0, expected: .booked(by: booking), desired: .free) }
    }

    /// Puts a booking's seats back under its hold (its commit failed):
    /// all or none, like `book`.
    public func unbook(_ seats: [Int], booking: UInt32, backTo hold: UInt32, until expiry: UInt32) -> Bool {
        var changed: [Int] = []
        for seat in seats.sorted() {
            guard exchange(seat, expected: .booked(by: booking), desired: .held(by: hold, until: expiry)) else {
                for undo in changed.reversed() {
                    _ = exchange(undo, expected: .held(by: hold, until: expiry), desired: .booked(by: booking))
                }
                return false
            }
            changed.append(seat)
        }
        return true
    }

    /// Blocks a seat that is free (house seats, broken seats); false if taken.
    public func block(_ seat: Int, now: UInt32) -> Bool {
        var current = word(seat)
        while current.state(at: now) == .free {
            if exchange(seat, expected: current, desired: .blocked) { return true }
            current = word(seat)
        }
        return current.storedState == .blocked
    }

    /// Frees a blocked seat; false if it was not blocked.
    public func unblock(_ seat: Int) -> Bool {
        exchange(seat, expected: .blocked, desired: .free)
    }

    /// Every seat's state at `now`.
    public func states(at now: UInt32) -> [SeatWord.State] {
        (0..<count).map { word($0).state(at: now) }
    }
}
