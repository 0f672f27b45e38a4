import CLibUV
import Glibc

/// Host names to socket addresses with `uv_getaddrinfo`, which libuv runs
/// on its thread pool: a slow DNS answer never stalls a shard, whose loop
/// goes on serving while the lookup waits.
public enum Resolver {
    /// Resolves `host` (a name, or an IP literal) for a TCP connection to
    /// `port`. `completion` runs on `loop` with the IPv4 and IPv6 addresses
    /// in the order the system prefers them (RFC 6724), or the error; it
    /// runs at once, before this returns, if the lookup cannot start.
    /// Loop thread.
    public static func resolve(host: String, port: Int, on loop: EventLoop,
                               completion: @escaping (Result<[SocketAddress], ResolveError>) -> Void) {
        loop.assertInLoop()
        guard (0...65535).contains(port) else { return completion(.failure(ResolveError(host: host, code: UV_EINVAL.rawValue))) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        hints.ai_flags = AI_NUMERICSERV
        let request = UnsafeMutablePointer<uv_getaddrinfo_t>.allocate(capacity: 1)
        request.pointee.data = Unmanaged.passRetained(PendingLookup(host: host, completion: completion)).toOpaque()
        let started = uv_getaddrinfo(loop.raw, request, { request, status, results in
            // Back on the loop thread; `results` is ours to free.
            let pending = Unmanaged<PendingLookup>.fromOpaque(request!.pointee.data).takeRetainedValue()
            request!.deallocate()
            defer { if let results { uv_freeaddrinfo(results) } }
            guard status == 0 else { return pending.completion(.failure(ResolveError(host: pending.host, code: status))) }
            let addresses = Resolver.addresses(in: results)
            pending.completion(addresses.isEmpty
                ? .failure(ResolveError(noAddressesFor: pending.host)) : .success(addresses))
        }, host, String(port), &hints)
        if started != 0 {
            Unmanaged<PendingLookup>.fromOpaque(request.pointee.data).release()
            request.deallocate()
            completion(.failure(ResolveError(host: host, code: started)))
        }
    }

    /// The IPv4 and IPv6 addresses of a getaddrinfo list, duplicates dropped.
    static func addresses(in list: UnsafeMutablePointer<addrinfo>?) -> [SocketAddress] {
        var addresses: [SocketAddress] = []
        var entry = list
        while let current = entry {
            if let raw = current.pointee.ai_addr,
               let address = SocketAddress(copying: raw, length: Int(current.pointee.ai_addrlen)),
               !addresses.contains(where: { $0.description == address.description }) {
                addresses.append(address)
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }
}

/// A lookup in flight: retained in the request's `data` until its callback.
private final class PendingLookup {
    let host: String
    let completion: (Result<[SocketAddress], ResolveError>) -> Void

    init(host: String, completion: @escaping (Result<[SocketAddress], ResolveError>) -> Void) {
        self.host = host
        self.completion = completion
    }
}
