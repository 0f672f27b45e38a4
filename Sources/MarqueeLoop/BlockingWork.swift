import CLibUV
import CMarqueeShims

extension EventLoop {
    /// Runs `work` on libuv's thread pool (UV_THREADPOOL_SIZE threads,
    /// default 4) and then `completion` with its result back on this loop:
    /// CPU-heavy work such as password hashing never stalls a shard.
    /// Loop thread.
    ///
    /// Pool threads run at nice 15: on a machine with as many cores as
    /// shards, CPU-bound work would otherwise take whole cores from the
    /// loops; niced, it gets the time they leave. (Raising a thread's
    /// priority back needs privileges, so pool threads stay niced; they
    /// only ever run background work.)
    public func offload<Result: Sendable>(_ work: @escaping @Sendable () -> Result,
                                          then completion: @escaping (Result) -> Void) {
        assertInLoop()
        let slot = ResultSlot<Result>()
        let job = OffloadedJob(run: {
            _ = mq_set_thread_nice(15)
            slot.value = work()
        }, finish: { completion(slot.value!) })
        let request = UnsafeMutablePointer<uv_work_t>.allocate(capacity: 1)
        request.pointee.data = Unmanaged.passRetained(job).toOpaque()
        // The pool thread writes the result before libuv signals completion
        // to the loop (through its async handle), so the loop reads it whole.
        uv_queue_work(raw, request, { request in
            Unmanaged<OffloadedJob>.fromOpaque(request!.pointee.data).takeUnretainedValue().run()
        }, { request, _ in
            let job = Unmanaged<OffloadedJob>.fromOpaque(request!.pointee.data).takeRetainedValue()
            request!.deallocate()
            job.finish()
        })
    }
}

/// Where a pool thread leaves its result for the loop (ordered by libuv's
/// completion signal, not by this class).
private final class ResultSlot<Value>: @unchecked Sendable {
    var value: Value?
}

/// One offloaded job, type-erased so C callbacks can call it.
private final class OffloadedJob {
    let run: () -> Void
    let finish: () -> Void

    init(run: @escaping () -> Void, finish: @escaping () -> Void) {
        self.run = run
        self.finish = finish
    }
}
