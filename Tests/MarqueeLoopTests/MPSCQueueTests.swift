import Foundation
import MarqueeLoop
import Testing

@Suite("MPSC queue")
struct MPSCQueueTests {
    @Test("one thread gets its values back in order")
    func fifo() {
        let queue = MPSCQueue<Int>()
        #expect(queue.pop() == nil)
        for value in 0..<1_000 { queue.push(value) }
        for value in 0..<1_000 { #expect(queue.pop() == value) }
        #expect(queue.pop() == nil)
    }

    @Test("many producers, one consumer: nothing lost, each producer's order kept")
    func concurrentProducers() async {
        let queue = MPSCQueue<(producer: Int, sequence: Int)>()
        let producers = 4
        let perProducer = 50_000
        let consumed = Task.detached { () -> [Int] in
            var next = [Int](repeating: 0, count: producers)
            var total = 0
            while total < producers * perProducer {
                guard let item = queue.pop() else { continue }
                if item.sequence != next[item.producer] { return [-1] }
                next[item.producer] += 1
                total += 1
            }
            return next
        }
        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    for sequence in 0..<perProducer { queue.push((producer, sequence)) }
                }
            }
        }
        let counts = await consumed.value
        #expect(counts == [Int](repeating: perProducer, count: producers))
        #expect(queue.pop() == nil)
    }

    @Test("values left in the queue are released when it is")
    func releasesLeftovers() {
        final class Tracked: Sendable {
            let onDeinit: @Sendable () -> Void
            init(_ onDeinit: @escaping @Sendable () -> Void) { self.onDeinit = onDeinit }
            deinit { onDeinit() }
        }
        let released = ManagedCounter()
        do {
            let queue = MPSCQueue<Tracked>()
            for _ in 0..<10 { queue.push(Tracked { released.increment() }) }
            _ = queue.pop()
        }
        #expect(released.value == 10)
    }
}

final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
