import CLibUV
import Glibc

/// One shard's event loop: a `uv_loop_t` run by one OS thread, plus a
/// lock-free job queue through which other threads hand it work.
///
/// Thread rules: everything but `execute` runs on the loop's own thread
/// once `run` has started (`assertInLoop` checks in debug builds). Before
/// `run`, the creating thread may set handles up, as libuv allows while the
/// loop is not running. `execute` is callable from any thread: it pushes to
/// the MPSC queue and calls `uv_async_send`, the one libuv function that is
/// thread-safe; wake-ups coalesce and the loop drains the whole queue.
public final class EventLoop: @unchecked Sendable {
    public typealias Job = @Sendable () -> Void

    public let index: Int
    let raw: UnsafeMutablePointer<uv_loop_t>
    private let wakeup: UnsafeMutablePointer<uv_async_t>
    private let jobs = MPSCQueue<Job>()
    private var ownerThread: pthread_t?
    /// Reads land here (libuv asks for a buffer per read; one per loop
    /// suffices because a read callback runs to completion before the next).
    let readBuffer: UnsafeMutableRawBufferPointer
    private var wakeupOpen = true

    public init(index: Int = 0, readBufferSize: Int = 64 * 1024) throws {
        self.index = index
        raw = .allocate(capacity: 1)
        wakeup = .allocate(capacity: 1)
        readBuffer = .allocate(byteCount: readBufferSize, alignment: 16)
        // On failure deinit frees the three buffers: a class whose throwing
        // initializer has set every property is deinitialised (freeing them
        // here as well was a double free).
        try LoopError.check(uv_loop_init(raw), "uv_loop_init")
        raw.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        uv_async_init(raw, wakeup) { handle in
            let loop = Unmanaged<EventLoop>.fromOpaque(handle!.pointee.loop.pointee.data).takeUnretainedValue()
            loop.drainJobs()
        }
    }

    deinit {
        readBuffer.deallocate()
        wakeup.deallocate()
        raw.deallocate()
    }

    static func from(_ loop: UnsafeMutablePointer<uv_loop_t>) -> EventLoop {
        Unmanaged<EventLoop>.fromOpaque(loop.pointee.data).takeUnretainedValue()
    }

    /// Runs `job` on this loop's thread, soon. Any thread.
    public func execute(_ job: @escaping Job) {
        jobs.push(job)
        // Release: the push above happens-before the loop's drain (libuv's
        // async handle uses an atomic exchange and a write to an eventfd).
        uv_async_send(wakeup)
    }

    private func drainJobs() {
        while let job = jobs.pop() { job() }
    }

    /// Runs until no referenced handle is left. Call once, on the thread
    /// that will own the loop.
    public func run() {
        ownerThread = pthread_self()
        uv_run(raw, UV_RUN_DEFAULT)
        // Jobs that arrived while the last handles closed still run.
        drainJobs()
    }

    /// Lets the loop end once its other handles are closed; jobs sent after
    /// that are dropped. Loop thread.
    public func allowExit() {
        assertInLoop()
        uv_unref(UnsafeMutableRawPointer(wakeup).assumingMemoryBound(to: uv_handle_t.self))
    }

    public var isInLoop: Bool {
        guard let ownerThread else { return false }
        return pthread_equal(ownerThread, pthread_self()) != 0
    }

    /// Debug builds trap when loop-bound state is touched from another thread.
    @inline(__always)
    public func assertInLoop(file: StaticString = #fileID, line: UInt = #line) {
        assert(ownerThread == nil || isInLoop, "called off its loop's thread", file: file, line: line)
    }

    /// Milliseconds of the loop's clock, cached at the start of each turn.
    public var now: UInt64 { uv_now(raw) }

    /// Refreshes the cached clock. Timers count from it, so one armed after
    /// the thread was descheduled mid-turn would fire early by that long;
    /// call this before arming a timeout that must not. Loop thread.
    public func updateTime() {
        assertInLoop()
        uv_update_time(raw)
    }

    /// After `run` returned and no other thread may call `execute` any
    /// more: closes the wake-up handle and the loop. Returns how many
    /// handles were still open (0 for a clean loop).
    @discardableResult
    public func close() -> Int {
        if wakeupOpen {
            wakeupOpen = false
            uv_close(UnsafeMutableRawPointer(wakeup).assumingMemoryBound(to: uv_handle_t.self), nil)
            uv_run(raw, UV_RUN_DEFAULT)
        }
        // Jobs sent after the loop ended (another shard's late reply) have
        // no loop to run on: drop them here, off the loop's thread.
        while jobs.pop() != nil {}
        let leaked = openHandleCount()
        if leaked == 0 { uv_loop_close(raw) }
        return leaked
    }

    /// Handles still attached to the loop, closing or not.
    public func openHandleCount() -> Int {
        var count = 0
        withUnsafeMutablePointer(to: &count) { counter in
            uv_walk(raw, { _, arg in arg!.assumingMemoryBound(to: Int.self).pointee += 1 }, counter)
        }
        return count
    }
}
