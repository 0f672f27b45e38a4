import CLibUV
import Glibc

extension TCPConnection {
    /// Opens a client connection to an IPv4 or IPv6 address (no name
    /// lookup: load generators and tests target loopback). `completion`
    /// runs on the loop with the connection, not yet reading, or the error.
    public static func connect(loop: EventLoop, host: String, port: Int,
                               _ completion: @escaping (Result<TCPConnection, LoopError>) -> Void) {
        loop.assertInLoop()
        var storage = sockaddr_storage()
        let parsed = withUnsafeMutableBytes(of: &storage) { raw -> Int32 in
            host.contains(":")
                ? uv_ip6_addr(host, Int32(port), raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self))
                : uv_ip4_addr(host, Int32(port), raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self))
        }
        guard parsed == 0 else { return completion(.failure(LoopError(parsed, "address \(host)"))) }
        let handle = UnsafeMutablePointer<uv_tcp_t>.allocate(capacity: 1)
        uv_tcp_init(loop.raw, handle)
        let connection = TCPConnection(loop: loop, handle: handle)
        let request = UnsafeMutablePointer<uv_connect_t>.allocate(capacity: 1)
        final class Pending {
            let connection: TCPConnection
            let completion: (Result<TCPConnection, LoopError>) -> Void
            init(_ connection: TCPConnection, _ completion: @escaping (Result<TCPConnection, LoopError>) -> Void) {
                self.connection = connection
                self.completion = completion
            }
        }
        request.pointee.data = Unmanaged.passRetained(Pending(connection, completion)).toOpaque()
        let started = withUnsafePointer(to: &storage) {
            uv_tcp_connect(request, handle, UnsafeRawPointer($0).assumingMemoryBound(to: sockaddr.self)) { request, status in
                let pending = Unmanaged<Pending>.fromOpaque(request!.pointee.data).takeRetainedValue()
                request!.deallocate()
                if status < 0 {
                    pending.connection.close()
                    pending.completion(.failure(LoopError(status, "uv_tcp_connect")))
                } else {
                    uv_tcp_nodelay(pending.connection.handle, 1)
                    pending.completion(.success(pending.connection))
                }
            }
        }
        if started < 0 {
            Unmanaged<Pending>.fromOpaque(request.pointee.data).release()
            request.deallocate()
            connection.close()
            completion(.failure(LoopError(started, "uv_tcp_connect")))
        }
    }
}
