import MarqueeLoop

/// At most one password hash in flight per shard; the rest wait in order.
/// scrypt is meant to be expensive: unbounded, a burst of logins would take
/// every core from the event loops (on a 2-core machine, measured: /healthz
/// fell to 0.45 of its rate). One niced pool job per shard keeps the loops'
/// share of the CPU, and login throughput is bounded by design anyway.
/// Each queue is touched only by its own shard's loop.
public final class HashingQueues: @unchecked Sendable {
    final class Queue {
        var busy = false
        var waiting: [() -> Void] = []
    }

    private let queues: [Queue]

    public init(shards: Int) {
        queues = (0..<max(1, shards)).map { _ in Queue() }
    }

    /// Runs `work` on the pool when this shard's previous hash is done.
    func run<Result: Sendable>(on loop: EventLoop, _ work: @escaping @Sendable () -> Result,
                               then completion: @escaping (Result) -> Void) {
        loop.assertInLoop()
        let queue = queues[loop.index % queues.count]
        let start = {
            loop.offload(work) { result in
                completion(result)
                if queue.waiting.isEmpty {
                    queue.busy = false
                } else {
                    queue.waiting.removeFirst()()
                }
            }
        }
        if queue.busy {
            queue.waiting.append(start)
        } else {
            queue.busy = true
            start()
        }
    }
}
