import CLibUV

/// Watches a file descriptor someone else owns (libpq's socket) for
/// readability and writability on a loop: the way the store drives a
/// nonblocking PostgreSQL connection without importing libuv.
/// Loop thread only.
public final class PollWatcher {
    public struct Events: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let readable = Events(rawValue: Int32(UV_READABLE.rawValue))
        public static let writable = Events(rawValue: Int32(UV_WRITABLE.rawValue))
    }

    private let loop: EventLoop
    private let handle: UnsafeMutablePointer<uv_poll_t>
    private var callback: ((Events, Int32) -> Void)?
    private var closed = false
    public let fd: Int32

    public init(loop: EventLoop, fd: Int32) throws {
        self.loop = loop
        self.fd = fd
        handle = .allocate(capacity: 1)
        let result = uv_poll_init(loop.raw, handle, fd)
        guard result == 0 else {
            handle.deallocate()
            throw LoopError(result, "uv_poll_init")
        }
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    /// Calls `callback(events, status)` whenever one of `events` is ready;
    /// a negative status is a libuv error on the descriptor. Calling again
    /// changes the events watched.
    public func start(_ events: Events, _ callback: @escaping (Events, Int32) -> Void) {
        loop.assertInLoop()
        guard !closed else { return }
        self.callback = callback
        uv_poll_start(handle, events.rawValue) { handle, status, events in
            let watcher = Unmanaged<PollWatcher>.fromOpaque(handle!.pointee.data).takeUnretainedValue()
            watcher.callback?(Events(rawValue: events), status)
        }
    }

    public func stop() {
        guard !closed else { return }
        uv_poll_stop(handle)
    }

    /// Stops watching; the descriptor itself stays open (its owner closes it).
    public func close() {
        guard !closed else { return }
        closed = true
        callback = nil
        uv_close(UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_handle_t.self)) { handle in
            Unmanaged<PollWatcher>.fromOpaque(handle!.pointee.data).release()
            handle!.deallocate()
        }
    }
}
