import CLibUV

/// Why a host name gave no address to connect to.
public struct ResolveError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The name does not exist, or has no address (NXDOMAIN, NODATA).
        case unknownHost
        /// The resolver could not answer now (EAI_AGAIN): a later try may work.
        case temporaryFailure
        /// The name resolved, but to no IPv4 or IPv6 stream address.
        case noAddresses
        /// Anything else: a bad argument, memory, the system.
        case failed
    }

    public let kind: Kind
    public let host: String
    /// The libuv code (a UV_EAI_* or UV_E* value); 0 for `noAddresses`.
    public let code: Int32

    init(host: String, code: Int32) {
        self.host = host
        self.code = code
        switch code {
        case UV_EAI_NONAME.rawValue, UV_EAI_NODATA.rawValue: kind = .unknownHost
        case UV_EAI_AGAIN.rawValue: kind = .temporaryFailure
        default: kind = .failed
        }
    }

    init(noAddressesFor host: String) {
        self.host = host
        kind = .noAddresses
        code = 0
    }

    public var description: String {
        switch kind {
        case .noAddresses: return "resolve \(host): no IPv4 or IPv6 address"
        default: return "resolve \(host): \(String(cString: uv_err_name(code))) (\(String(cString: uv_strerror(code))))"
        }
    }
}
