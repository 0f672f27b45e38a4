import COpenSSL

/// A TLS protocol version. Clients accept TLS 1.2 and 1.3 only; the older
/// ones exist so a test server can offer them and see them refused.
public enum TLSVersion: Sendable, Equatable, Comparable {
    case tls1_0, tls1_1, tls1_2, tls1_3

    var openSSLValue: Int32 {
        switch self {
        case .tls1_0: TLS1_VERSION
        case .tls1_1: TLS1_1_VERSION
        case .tls1_2: TLS1_2_VERSION
        case .tls1_3: TLS1_3_VERSION
        }
    }

    init?(openSSLValue: Int32) {
        switch openSSLValue {
        case TLS1_VERSION: self = .tls1_0
        case TLS1_1_VERSION: self = .tls1_1
        case TLS1_2_VERSION: self = .tls1_2
        case TLS1_3_VERSION: self = .tls1_3
        default: return nil
        }
    }
}
