import Synchronization

/// The live watcher limits over every shard, without a lock: a total and
/// a count per client address, taken at each WebSocket upgrade and given
/// back at its close, from any shard's loop.
///
/// The total is one atomic, taken with a compare-and-swap loop so it never
/// passes the limit. The per-address counts are a fixed table of atomics
/// indexed by a hash of the address (as UserHoldCounter does for users):
/// addresses that hash to one slot share its count, which only ever makes
/// their limit stricter, never looser. An exact table (addresses as keys)
/// cannot give a key one home without a lock when entries come and go.
///
/// Memory ordering: relaxed. The counts publish nothing else (each
/// watcher's state lives on its own shard's loop); every change is a
/// read-modify-write of one word, and those are totally ordered per word
/// whatever the ordering, so two shards racing for the last place cannot
/// both take it, and a place given back is seen by the next attempt.
final class WatcherAdmission: @unchecked Sendable {
    // @unchecked: the counters are atomics; the pointer and sizes never change.
    static let slotCount = 1 << 16

    let maxTotal: Int
    let maxPerAddress: Int
    private let total = Atomic<Int>(0)
    private let slots: UnsafeMutablePointer<Atomic<Int>>

    init(maxTotal: Int, maxPerAddress: Int) {
        self.maxTotal = maxTotal
        self.maxPerAddress = maxPerAddress
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Self.slotCount * MemoryLayout<Atomic<Int>>.stride, alignment: 64)
        slots = raw.bindMemory(to: Atomic<Int>.self, capacity: Self.slotCount)
        for index in 0..<Self.slotCount { (slots + index).initialize(to: Atomic(0)) }
    }

    deinit {
        slots.deinitialize(count: Self.slotCount)
        UnsafeMutableRawPointer(slots).deallocate()
    }

    /// The address's slot: a hash that is the same on every shard of this
    /// process (Swift's per-process seed), its low bits.
    private func slot(_ address: String) -> UnsafeMutablePointer<Atomic<Int>> {
        slots + (address.hashValue & (Self.slotCount - 1))
    }

    /// Takes a place for a watcher from `address`, if both limits allow.
    func admit(from address: String) -> Bool {
        guard Self.take(total, below: maxTotal) else { return false }
        guard Self.take(slot(address).pointee, below: maxPerAddress) else {
            total.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives back the place `admit(from:)` took for `address`.
    func left(from address: String) {
        total.wrappingSubtract(1, ordering: .relaxed)
        slot(address).pointee.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Watchers admitted and not yet gone, over every shard.
    var count: Int { total.load(ordering: .relaxed) }

    /// Adds one to `counter` unless that would reach past `limit`.
    private static func take(_ counter: borrowing Atomic<Int>, below limit: Int) -> Bool {
        var current = counter.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = counter.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }
}
