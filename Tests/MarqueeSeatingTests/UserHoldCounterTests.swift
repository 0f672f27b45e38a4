import Dispatch
import MarqueeSeating
import Synchronization
import Testing

@Suite("Per-user hold counts without a lock")
struct UserHoldCounterTests {
    @Test("a user takes slots up to the limit and no more; a release gives one back")
    func limit() {
        let counter = UserHoldCounter(slotCount: 1 << 10)
        #expect(counter.tryAcquire(7, limit: 2))
        #expect(counter.tryAcquire(7, limit: 2))
        #expect(!counter.tryAcquire(7, limit: 2))
        #expect(counter.count(of: 7) == 2, "a refusal takes nothing")
        counter.release(7)
        #expect(counter.tryAcquire(7, limit: 2))
        #expect(!counter.tryAcquire(7, limit: 2))
    }

    @Test("holds reloaded after a restart count even past the limit, and must all be given back first")
    func reloadedHolds() {
        let counter = UserHoldCounter(slotCount: 1 << 10)
        for _ in 0..<3 { counter.add(5) }
        #expect(!counter.tryAcquire(5, limit: 2))
        counter.release(5)
        #expect(!counter.tryAcquire(5, limit: 2), "still two of the three")
        counter.release(5)
        #expect(counter.tryAcquire(5, limit: 2))
    }

    @Test("users sharing a slot see each other's holds: the limit gets stricter, never looser")
    func sharedSlot() {
        let counter = UserHoldCounter(slotCount: 1)
        #expect(counter.tryAcquire(1, limit: 2))
        #expect(counter.tryAcquire(2, limit: 2))
        #expect(!counter.tryAcquire(1, limit: 2) && !counter.tryAcquire(2, limit: 2))
        counter.release(2)
        #expect(counter.tryAcquire(1, limit: 2))
    }

    @Test("distinct users of a large table keep their own counts")
    func separateUsers() {
        let counter = UserHoldCounter()
        for user in Int64(1)...200 { #expect(counter.tryAcquire(user, limit: 1)) }
        // Sequential ids spread over the table: none of these shares a slot.
        for user in Int64(1)...200 { #expect(counter.count(of: user) == 1) }
    }

    @Test("threads racing for one user's slots never take more than the limit between them")
    func race() {
        // A limit most of the tries stay under, so the threads contend for
        // the word all along: a lost update would let one more through.
        let counter = UserHoldCounter(slotCount: 1 << 4)
        let taken = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<25_000 where counter.tryAcquire(42, limit: 150_000) {
                taken.wrappingAdd(1, ordering: .relaxed)
            }
        }
        #expect(taken.load(ordering: .relaxed) == 150_000)
        #expect(counter.count(of: 42) == 150_000)
    }
}
