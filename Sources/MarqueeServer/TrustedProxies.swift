import Glibc

/// The proxies whose `X-Forwarded-For` the server believes (TRUSTED_PROXIES:
/// addresses or CIDR ranges, IPv4 or IPv6). Behind nginx every connection
/// comes from the proxy; without this, every per-address limit would see
/// one client, the proxy.
///
/// The client is found by walking the forwarded-for list from the right
/// (the hop nearest to us) past trusted proxies: the first address that is
/// not a trusted proxy is the client. Entries left of it were written by
/// the client itself and are never believed, so a forged header gains
/// nothing. From a peer that is not trusted the header is ignored.
public struct TrustedProxies: Sendable, Equatable {
    struct Range: Sendable, Equatable {
        /// The network's address bytes (4 or 16) and prefix length in bits.
        let network: [UInt8]
        let prefixBits: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == network.count else { return false }
            var remaining = prefixBits
            for index in 0..<network.count where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if address[index] & mask != network[index] & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    let ranges: [Range]

    public static let none = TrustedProxies(ranges: [])

    init(ranges: [Range]) {
        self.ranges = ranges
    }

    /// Parses a comma-separated list such as `10.0.0.0/8, 127.0.0.1, ::1`.
    /// An empty list trusts no one.
    public init(parsing list: String) throws(InvalidRange) {
        var ranges: [Range] = []
        for item in list.split(separator: ",") {
            let text = Self.trimmed(item)
            guard !text.isEmpty else { continue }
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let address = Self.addressBytes(String(parts[0])) else { throw InvalidRange(text: text) }
            let maximum = address.count * 8
            var prefix = maximum
            if parts.count == 2 {
                guard let given = Int(parts[1]), (0...maximum).contains(given) else { throw InvalidRange(text: text) }
                prefix = given
            }
            ranges.append(Range(network: address, prefixBits: prefix))
        }
        self.ranges = ranges
    }

    public struct InvalidRange: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "not an IP address or CIDR range: \(text)" }
    }

    public var isEmpty: Bool { ranges.isEmpty }

    public func trusts(_ address: String) -> Bool {
        guard !ranges.isEmpty, let bytes = Self.addressBytes(address) else { return false }
        return ranges.contains { $0.contains(bytes) }
    }

    /// The client's address for a request from `peer` carrying the
    /// `X-Forwarded-For` values `forwardedFor` (every field line, in order).
    public func clientAddress(peer: String, forwardedFor: [String]) -> String {
        guard trusts(peer) else { return peer }
        var nearest = peer
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map(Self.trimmed)
        for hop in hops.reversed() {
            // A hop that is not an address cannot be a client we limit by:
            // the last believable hop stands in for it.
            guard Self.addressBytes(hop) != nil else { return nearest }
            guard trusts(hop) else { return hop }
            nearest = hop
        }
        return nearest
    }

    static func trimmed(_ text: Substring) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    /// An IPv4 or IPv6 address as its 4 or 16 bytes; an IPv4-mapped IPv6
    /// address (`::ffff:10.0.0.1`) as its IPv4 bytes, so one range covers
    /// both spellings of the same peer.
    static func addressBytes(_ text: String) -> [UInt8]? {
        var four = in_addr()
        if inet_pton(AF_INET, text, &four) == 1 {
            return withUnsafeBytes(of: &four) { Array($0) }
        }
        var six = in6_addr()
        guard inet_pton(AF_INET6, text, &six) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &six) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }
}
