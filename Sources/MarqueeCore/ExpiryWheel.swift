/// A hashed timing wheel of one-second slots: what is due at second `s`
/// sits in slot `s % slotCount`, so adding is O(1) and each tick looks at
/// one slot. Entries more than a lap ahead stay in their slot until their
/// second comes round. Not thread-safe: one per owner shard.
///
/// The wheel only announces; correctness never waits for it (an expired
/// hold already reads as free in its seat words).
public struct ExpiryWheel<Key: Hashable> {
    private var slots: [[(key: Key, due: UInt32)]]
    /// The last second whose slot has been emptied.
    public private(set) var current: UInt32
    public private(set) var count = 0

    public init(now: UInt32, slotCount: Int = 4_096) {
        precondition(slotCount > 0)
        slots = Array(repeating: [], count: slotCount)
        current = now
    }

    /// Schedules `key` for second `due`; a due time already passed fires
    /// at the next advance.
    public mutating func add(_ key: Key, due: UInt32) {
        let slot = Int(max(due, current &+ 1) % UInt32(slots.count))
        slots[slot].append((key, due))
        count += 1
    }

    /// Moves the wheel to `now` and returns every key due by then, in due order
    /// per slot visited. A jump longer than a lap visits each slot once.
    public mutating func advance(to now: UInt32) -> [Key] {
        guard now > current else { return [] }
        var due: [Key] = []
        let steps = min(UInt64(now - current), UInt64(slots.count))
        var second = current
        for _ in 0..<steps {
            second &+= 1
            let slot = Int(second % UInt32(slots.count))
            guard !slots[slot].isEmpty else { continue }
            var kept: [(key: Key, due: UInt32)] = []
            for entry in slots[slot] {
                if entry.due <= now { due.append(entry.key) } else { kept.append(entry) }
            }
            count -= slots[slot].count - kept.count
            slots[slot] = kept
        }
        current = now
        return due
    }
}
