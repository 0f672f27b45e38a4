import COpenSSL

/// The OpenSSL macros Swift cannot import (function-like macros), written
/// out as the ctrl calls they expand to in <openssl/ssl.h>, <openssl/tls1.h>
/// and <openssl/bio.h>, so the TLS files read like OpenSSL's documentation.
enum OpenSSLMacros {
    /// SSL_OP_NO_RENEGOTIATION is SSL_OP_BIT(30), a shift Swift does not import.
    static let noRenegotiation: UInt64 = 1 << 30

    static func setMinProtoVersion(_ ctx: OpaquePointer, _ version: Int32) -> Bool {
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(version), nil) == 1
    }

    static func setMaxProtoVersion(_ ctx: OpaquePointer, _ version: Int32) -> Bool {
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, Int(version), nil) == 1
    }

    static func setSessionCacheMode(_ ctx: OpaquePointer, _ mode: Int32) {
        _ = SSL_CTX_ctrl(ctx, SSL_CTRL_SET_SESS_CACHE_MODE, Int(mode), nil)
    }

    static func setMode(_ ctx: OpaquePointer, _ mode: UInt32) {
        _ = SSL_CTX_ctrl(ctx, SSL_CTRL_MODE, Int(mode), nil)
    }

    /// OpenSSL 3's default security level (1) refuses what TLS 1.0 and 1.1
    /// need (SHA-1 signatures, their cipher suites); level 0 allows them.
    /// Test peers only: a product context never calls this.
    static func allowLegacyVersions(_ ctx: OpaquePointer) throws(TLSError) {
        SSL_CTX_set_security_level(ctx, 0)
        guard SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0") == 1 else {
            throw TLSError.configuration("cannot allow legacy cipher suites")
        }
    }

    /// SNI: the host name sent in the ClientHello.
    static func setTLSExtHostName(_ ssl: OpaquePointer, _ name: String) -> Bool {
        name.withCString { SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name),
                                    UnsafeMutableRawPointer(mutating: $0)) == 1 }
    }

    /// What an empty memory BIO answers a read with: -1 (retry later, the
    /// default) or 0 (end of stream).
    static func setMemEOFReturn(_ bio: OpaquePointer, _ value: Int) {
        _ = BIO_ctrl(bio, BIO_C_SET_BUF_MEM_EOF_RETURN, value, nil)
    }
}
