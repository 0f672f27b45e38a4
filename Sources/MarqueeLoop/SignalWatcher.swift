import CLibUV

/// Calls a closure on its loop when the process receives a signal
/// (libuv turns the signal into a loop event, so the closure may do
/// anything a loop callback may).
public final class SignalWatcher {
    private let loop: EventLoop
    private let handle: UnsafeMutablePointer<uv_signal_t>
    private let callback: (Int32) -> Void
    private var closed = false

    public init(loop: EventLoop, signal: Int32, _ callback: @escaping (Int32) -> Void) throws {
        self.loop = loop
        self.callback = callback
        handle = .allocate(capacity: 1)
        uv_signal_init(loop.raw, handle)
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
        let result = uv_signal_start(handle, { handle, signal in
            Unmanaged<SignalWatcher>.fromOpaque(handle!.pointee.data).takeUnretainedValue().callback(signal)
        }, signal)
        if result != 0 {
            close()
            throw LoopError(result, "uv_signal_start")
        }
    }

    public func close() {
        guard !closed else { return }
        closed = true
        uv_close(UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_handle_t.self)) { handle in
            Unmanaged<SignalWatcher>.fromOpaque(handle!.pointee.data).release()
            handle!.deallocate()
        }
    }
}
