import CLibUV
import Glibc

/// An accepted TCP connection on the loop that accepted it, for its whole
/// life. Loop thread only.
///
/// Writes try `uv_try_write` first (the common case: the socket buffer has
/// room and nothing is queued); what the kernel did not take goes to one
/// `uv_write` whose request and bytes share a single allocation, freed in
/// its callback. `pendingWriteBytes` is what the kernel has not accepted
/// yet, for backpressure.
///
/// Lifetime: the handle's `data` holds a retain on the connection, dropped
/// in the close callback, so the object outlives every libuv callback.
public final class TCPConnection {
    public let loop: EventLoop
    let handle: UnsafeMutablePointer<uv_tcp_t>

    /// Bytes just read; valid only during the call.
    public var onRead: ((UnsafeRawBufferPointer) -> Void)?
    /// The peer ended its side (EOF, code UV_EOF) or the socket failed.
    public var onReadEnd: ((Int32) -> Void)?
    /// All queued writes reached the kernel.
    public var onDrained: (() -> Void)?
    /// The handle is closed; called once, last.
    public var onClose: (() -> Void)?

    public private(set) var pendingWriteBytes = 0
    public private(set) var isClosed = false
    private var isReading = false
    private var closeWhenDrained = false
    private var writeSideShut = false

    init(loop: EventLoop, handle: UnsafeMutablePointer<uv_tcp_t>) {
        self.loop = loop
        self.handle = handle
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    var stream: UnsafeMutablePointer<uv_stream_t> {
        UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_stream_t.self)
    }

    static func from(_ stream: UnsafeMutablePointer<uv_stream_t>?) -> TCPConnection {
        Unmanaged<TCPConnection>.fromOpaque(stream!.pointee.data).takeUnretainedValue()
    }

    /// The peer's IP address as text ("127.0.0.1", "::1"), or nil.
    public lazy var peerAddress: String? = {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            uv_tcp_getpeername(handle, UnsafeMutableRawPointer($0).assumingMemoryBound(to: sockaddr.self), &length) == 0
        }
        guard ok else { return nil }
        var text = [CChar](repeating: 0, count: 64)
        let family = Int32(storage.ss_family)
        let result = withUnsafePointer(to: &storage) { pointer -> Int32 in
            family == AF_INET6
                ? uv_ip6_name(UnsafeRawPointer(pointer).assumingMemoryBound(to: sockaddr_in6.self), &text, text.count)
                : uv_ip4_name(UnsafeRawPointer(pointer).assumingMemoryBound(to: sockaddr_in.self), &text, text.count)
        }
        guard result == 0 else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    public func startReading() {
        loop.assertInLoop()
        guard !isReading, !isClosed else { return }
        isReading = true
        uv_read_start(stream, { handle, _, buffer in
            // One buffer per loop: a read callback finishes before the next read.
            let loop = EventLoop.from(handle!.pointee.loop)
            buffer!.pointee = uv_buf_init(
                loop.readBuffer.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(loop.readBuffer.count))
        }, { stream, nread, buffer in
            let connection = TCPConnection.from(stream)
            if connection.isLingering {
                if nread < 0 { connection.close() }  // discard until the peer's FIN
            } else if nread > 0 {
                connection.onRead?(UnsafeRawBufferPointer(start: buffer!.pointee.base, count: nread))
            } else if nread < 0 {
                connection.stopReading()
                connection.onReadEnd?(Int32(nread))
            }
        })
    }

    public func stopReading() {
        guard isReading, !isClosed else { return }
        isReading = false
        uv_read_stop(stream)
    }

    /// Queues `bytes` for sending; they are copied if the kernel does not
    /// take them at once.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        loop.assertInLoop()
        guard !isClosed, !writeSideShut, bytes.count > 0 else { return }
        var offset = 0
        if pendingWriteBytes == 0 {
            var buffer = uv_buf_init(UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: CChar.self)),
                                     UInt32(bytes.count))
            let written = uv_try_write(stream, &buffer, 1)
            if written == Int32(bytes.count) { return }
            if written > 0 { offset = Int(written) }
            else if written != UV_EAGAIN.rawValue && written != UV_ENOSYS.rawValue {
                // The socket is broken; the read side reports it and closes.
                return
            }
        }
        queueWrite(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
    }

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    private func queueWrite(_ bytes: UnsafeRawBufferPointer) {
        let requestSize = (MemoryLayout<uv_write_t>.size + 15) & ~15
        let block = UnsafeMutableRawPointer.allocate(byteCount: requestSize + bytes.count, alignment: 16)
        let request = block.bindMemory(to: uv_write_t.self, capacity: 1)
        let payload = block + requestSize
        payload.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        var buffer = uv_buf_init(payload.assumingMemoryBound(to: CChar.self), UInt32(bytes.count))
        request.pointee.data = UnsafeMutableRawPointer(bitPattern: bytes.count)
        pendingWriteBytes += bytes.count
        let result = uv_write(request, stream, &buffer, 1) { request, _ in
            let written = Int(bitPattern: request!.pointee.data)
            let connection = TCPConnection.from(request!.pointee.handle)
            UnsafeMutableRawPointer(request!).deallocate()
            connection.pendingWriteBytes -= written
            if connection.pendingWriteBytes == 0 { connection.writesDrained() }
        }
        if result != 0 {
            pendingWriteBytes -= bytes.count
            block.deallocate()
        }
    }

    private func writesDrained() {
        if closeWhenDrained {
            beginLingeringClose()
        } else if !isClosed {
            onDrained?()
        }
    }

    /// True after `closeAfterWrites` sent FIN: reads are discarded until
    /// the peer closes. The owner bounds how long this may last.
    public private(set) var isLingering = false

    /// Closes once queued writes have left, the way a careful server does:
    /// FIN first (`uv_shutdown`), then read and discard until the peer
    /// closes. Closing at once while the peer's pipelined bytes sit unread
    /// would make the kernel send a reset, which can destroy the response
    /// before the peer reads it.
    public func closeAfterWrites() {
        loop.assertInLoop()
        guard !isClosed, !closeWhenDrained else { return }
        closeWhenDrained = true
        if pendingWriteBytes == 0 { beginLingeringClose() }
    }

    private func beginLingeringClose() {
        guard !isClosed, !writeSideShut else { return }
        writeSideShut = true
        let request = UnsafeMutablePointer<uv_shutdown_t>.allocate(capacity: 1)
        let result = uv_shutdown(request, stream) { request, status in
            let connection = TCPConnection.from(request!.pointee.handle)
            request!.deallocate()
            guard status == 0, !connection.isClosed else {
                connection.close()
                return
            }
            connection.isLingering = true
            connection.isReading = false
            connection.startReading()
        }
        if result != 0 {
            request.deallocate()
            close()
        }
    }

    /// Closes now; queued writes are cancelled. Idempotent.
    public func close() {
        loop.assertInLoop()
        guard !isClosed else { return }
        isClosed = true
        isReading = false
        uv_close(UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_handle_t.self)) { handle in
            let connection = Unmanaged<TCPConnection>.fromOpaque(handle!.pointee.data).takeRetainedValue()
            connection.handle.deallocate()
            let onClose = connection.onClose
            connection.onRead = nil
            connection.onReadEnd = nil
            connection.onDrained = nil
            connection.onClose = nil
            onClose?()
        }
    }
}
