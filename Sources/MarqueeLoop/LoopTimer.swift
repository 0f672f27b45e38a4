import CLibUV

/// A libuv timer on one loop, calling a closure. Loop thread only.
public final class LoopTimer {
    private let loop: EventLoop
    private let handle: UnsafeMutablePointer<uv_timer_t>
    private var callback: (() -> Void)?
    private var closed = false

    public init(loop: EventLoop) {
        self.loop = loop
        handle = .allocate(capacity: 1)
        uv_timer_init(loop.raw, handle)
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    /// Fires after `milliseconds`, then every `repeatMilliseconds` if not 0.
    public func start(after milliseconds: UInt64, repeat repeatMilliseconds: UInt64 = 0,
                      _ callback: @escaping () -> Void) {
        loop.assertInLoop()
        guard !closed else { return }
        self.callback = callback
        uv_timer_start(handle, { handle in
            let timer = Unmanaged<LoopTimer>.fromOpaque(handle!.pointee.data).takeUnretainedValue()
            timer.callback?()
        }, milliseconds, repeatMilliseconds)
    }

    public func stop() {
        guard !closed else { return }
        uv_timer_stop(handle)
    }

    /// A timer that does not keep its loop running (housekeeping timers).
    public func unref() {
        uv_unref(UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_handle_t.self))
    }

    public func close() {
        loop.assertInLoop()
        guard !closed else { return }
        closed = true
        callback = nil
        uv_close(UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_handle_t.self)) { handle in
            Unmanaged<LoopTimer>.fromOpaque(handle!.pointee.data).release()
            handle!.deallocate()
        }
    }
}
