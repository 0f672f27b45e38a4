import CLibUV
import CMarqueeShims
import Glibc

/// A listening TCP socket on one loop. Every shard binds the same address
/// with SO_REUSEPORT, so the kernel spreads new connections over the shards
/// and a connection stays on the loop that accepted it.
public final class TCPListener {
    public typealias AcceptHandler = (TCPConnection) -> Void

    private let loop: EventLoop
    private let handle: UnsafeMutablePointer<uv_tcp_t>
    private let onAccept: AcceptHandler
    private var closed = false
    /// The bound port (the kernel's choice when 0 was asked for).
    public private(set) var port: Int = 0

    public init(loop: EventLoop, host: String, port: Int, backlog: Int32 = 1024,
                onAccept: @escaping AcceptHandler) throws {
        self.loop = loop
        self.onAccept = onAccept
        handle = .allocate(capacity: 1)

        var storage = sockaddr_storage()
        let isIPv6 = host.contains(":")
        let family = isIPv6 ? AF_INET6 : AF_INET
        let parsed = withUnsafeMutableBytes(of: &storage) { raw -> Int32 in
            isIPv6
                ? uv_ip6_addr(host, Int32(port), raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self))
                : uv_ip4_addr(host, Int32(port), raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self))
        }
        guard parsed == 0 else {
            handle.deallocate()
            throw LoopError(parsed, "parse address \(host)")
        }
        // The socket must exist before bind so SO_REUSEPORT can be set on it.
        let initResult = uv_tcp_init_ex(loop.raw, handle, UInt32(family))
        guard initResult == 0 else {
            handle.deallocate()
            throw LoopError(initResult, "uv_tcp_init_ex")
        }
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
        do {
            var fd = uv_os_fd_t()
            try LoopError.check(uv_fileno(streamHandle, &fd), "uv_fileno")
            try LoopError.check(mq_set_reuseport(fd), "SO_REUSEPORT")
            try withUnsafePointer(to: &storage) { address in
                try LoopError.check(
                    uv_tcp_bind(handle, UnsafeRawPointer(address).assumingMemoryBound(to: sockaddr.self), 0),
                    "bind \(host):\(port)")
            }
            try LoopError.check(uv_listen(streamPointer, backlog, { server, status in
                let listener = Unmanaged<TCPListener>.fromOpaque(server!.pointee.data).takeUnretainedValue()
                listener.acceptOne(status: status)
            }), "listen")
            self.port = try boundPort()
        } catch {
            close()
            throw error
        }
    }

    private var streamPointer: UnsafeMutablePointer<uv_stream_t> {
        UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_stream_t.self)
    }

    private var streamHandle: UnsafeMutablePointer<uv_handle_t> {
        UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_handle_t.self)
    }

    private func boundPort() throws -> Int {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        try withUnsafeMutablePointer(to: &storage) { address in
            try LoopError.check(
                uv_tcp_getsockname(handle, UnsafeMutableRawPointer(address).assumingMemoryBound(to: sockaddr.self), &length),
                "getsockname")
        }
        return withUnsafeBytes(of: &storage) { raw in
            // sin_port and sin6_port sit at the same offset, in network order.
            Int(UInt16(bigEndian: raw.load(fromByteOffset: 2, as: UInt16.self)))
        }
    }

    private func acceptOne(status: Int32) {
        guard status == 0 else { return }
        let client = UnsafeMutablePointer<uv_tcp_t>.allocate(capacity: 1)
        uv_tcp_init(loop.raw, client)
        let clientStream = UnsafeMutableRawPointer(client).assumingMemoryBound(to: uv_stream_t.self)
        guard uv_accept(streamPointer, clientStream) == 0 else {
            uv_close(UnsafeMutableRawPointer(client).assumingMemoryBound(to: uv_handle_t.self)) { handle in
                handle!.deallocate()
            }
            return
        }
        uv_tcp_nodelay(client, 1)
        onAccept(TCPConnection(loop: loop, handle: client))
    }

    /// Stops accepting. Loop thread; idempotent.
    public func close() {
        loop.assertInLoop()
        guard !closed else { return }
        closed = true
        uv_close(streamHandle) { handle in
            Unmanaged<TCPListener>.fromOpaque(handle!.pointee.data).release()
            UnsafeMutableRawPointer(handle!).assumingMemoryBound(to: uv_tcp_t.self).deallocate()
        }
    }
}
