import Synchronization

/// Live holds per user over every showtime and shard, for the per-user
/// limit, without a lock: a fixed table of atomic counters indexed by a
/// hash of the user id, so any shard's hold request counts in place.
///
/// Layout and cost: `slotCount` 32-bit atomics in one allocation (4 MiB at
/// the default); a user's counter is the slot named by the top bits of a
/// multiplicative hash of the id. Taking a slot is a load and a
/// compare-and-swap loop on one word; giving one back is one atomic
/// subtract. Nothing allocates and nothing waits.
///
/// Collisions: users whose ids hash to one slot share its count, so each
/// sees the others' live holds as their own. That only ever makes the
/// limit stricter, never looser: a user's effective limit is the limit
/// less the live holds of the users sharing the slot. With H users holding
/// at once, a given user shares a slot with about H / slotCount chance
/// (H = 10,000 users over the default 2^20 slots: under 1%), and loses a
/// slot to it only when the neighbours' holds and their own together reach
/// the limit. An exact table (users as keys, counts beside them) cannot
/// give a key one home without a lock when entries come and go; striped
/// locks did, on every hold.
///
/// Memory ordering: relaxed. The count publishes nothing else (the hold
/// records live on their owner shards); every change is a read-modify-write
/// of one word, and those are totally ordered per word whatever the
/// ordering, so two shards racing for a user's last slot cannot both win.
public final class UserHoldCounter: @unchecked Sendable {
    // @unchecked: the slots are atomics; the pointer and shift never change.
    public static let defaultSlotCount = 1 << 20

    private let slotCount: Int
    private let slots: UnsafeMutablePointer<Atomic<UInt32>>
    /// 64 minus log2(slotCount): the hash's top bits index the table.
    private let shift: UInt64

    /// `slotCount` a power of two (tests use tiny tables to force sharing).
    public init(slotCount: Int = defaultSlotCount) {
        precondition(slotCount > 0 && slotCount & (slotCount - 1) == 0, "a power of two")
        self.slotCount = slotCount
        shift = UInt64(64 - slotCount.trailingZeroBitCount)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: slotCount * MemoryLayout<Atomic<UInt32>>.stride, alignment: 64)
        slots = raw.bindMemory(to: Atomic<UInt32>.self, capacity: slotCount)
        for index in 0..<slotCount { (slots + index).initialize(to: Atomic(0)) }
    }

    deinit {
        slots.deinitialize(count: slotCount)
        UnsafeMutableRawPointer(slots).deallocate()
    }

    private func slot(_ user: Int64) -> UnsafeMutablePointer<Atomic<UInt32>> {
        // A shift by 64 (one slot) would trap: that table is slot 0.
        shift == 64 ? slots : slots + Int((UInt64(bitPattern: user) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Takes one slot if the user's count is below `limit`.
    public func tryAcquire(_ user: Int64, limit: Int) -> Bool {
        let counter = slot(user)
        var current = counter.pointee.load(ordering: .relaxed)
        while Int(current) < limit {
            let (exchanged, original) = counter.pointee.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Takes one slot regardless of the limit (holds reloaded after a restart).
    public func add(_ user: Int64) {
        slot(user).pointee.wrappingAdd(1, ordering: .relaxed)
    }

    /// Gives back a slot taken by `tryAcquire` or `add` for the same user
    /// (so the count is at least one here).
    public func release(_ user: Int64) {
        let before = slot(user).pointee.wrappingSubtract(1, ordering: .relaxed).oldValue
        assert(before > 0, "a hold slot given back that was never taken")
    }

    /// The count a user's limit is checked against: their live holds, plus
    /// those of any user sharing the slot.
    public func count(of user: Int64) -> Int {
        Int(slot(user).pointee.load(ordering: .relaxed))
    }
}
