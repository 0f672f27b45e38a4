import CLibUV
import Glibc

/// An IPv4 or IPv6 address and port, stored as the `sockaddr` the system
/// calls take: what the resolver gives and a client connects to.
public struct SocketAddress: Sendable, CustomStringConvertible {
    private var storage = sockaddr_storage()

    /// An address written as an IP literal ("127.0.0.1", "::1"); nil for a
    /// name or a port outside 0...65535.
    public init?(ipAddress: String, port: Int) {
        guard (0...65535).contains(port) else { return nil }
        let parsed = withUnsafeMutableBytes(of: &storage) { raw -> Int32 in
            ipAddress.contains(":")
                ? uv_ip6_addr(ipAddress, Int32(port), raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self))
                : uv_ip4_addr(ipAddress, Int32(port), raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self))
        }
        guard parsed == 0 else { return nil }
    }

    /// A copy of an IPv4 or IPv6 `sockaddr` (from getaddrinfo); nil for
    /// another family.
    init?(copying address: UnsafePointer<sockaddr>, length: Int) {
        let family = Int32(address.pointee.sa_family)
        guard family == AF_INET || family == AF_INET6,
              length <= MemoryLayout<sockaddr_storage>.size else { return nil }
        withUnsafeMutableBytes(of: &storage) { $0.baseAddress!.copyMemory(from: address, byteCount: length) }
    }

    public var isIPv6: Bool { Int32(storage.ss_family) == AF_INET6 }

    /// The port, host byte order.
    public var port: Int {
        // sin_port and sin6_port sit at the same offset, in network order.
        withUnsafeBytes(of: storage) { Int(UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self))) }
    }

    /// The address as text, without the port ("127.0.0.1", "::1").
    public var ipAddress: String {
        var text = [CChar](repeating: 0, count: 64)
        let family = isIPv6
        _ = withUnsafeBytes(of: storage) { raw in
            family
                ? uv_ip6_name(raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self), &text, text.count)
                : uv_ip4_name(raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self), &text, text.count)
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String { isIPv6 ? "[\(ipAddress)]:\(port)" : "\(ipAddress):\(port)" }

    /// Calls `body` with the address as the `sockaddr` system calls take.
    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>) -> Result) -> Result {
        withUnsafeBytes(of: storage) { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self)) }
    }
}
