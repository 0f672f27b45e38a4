import COpenSSL

/// The server side's SSL_CTX: a certificate chain and its key from PEM
/// files, and the protocol versions offered. Sessions it makes have the
/// same I/O-free shape as a client's. Used by test servers (a fake
/// payment provider, the TLS tests), not by the product's listeners.
///
/// Ownership and sharing as for `TLSClientContext`: `ctx` is freed once in
/// deinit, sessions keep the context alive, and the configured SSL_CTX may
/// make sessions on several threads. Its session tickets let clients
/// resume, on any session this context made.
public final class TLSServerContext: @unchecked Sendable {
    let ctx: OpaquePointer

    /// - Parameters:
    ///   - certificateChainFile: PEM, the server's certificate first, then
    ///     any intermediates.
    ///   - privateKeyFile: PEM, the certificate's key.
    ///   - minimumVersion, maximumVersion: the versions offered. Below TLS
    ///     1.2, OpenSSL 3's default security level refuses the old versions'
    ///     signatures and ciphers, so such a server drops to level 0: it is
    ///     for tests that show a client refusing it.
    public init(certificateChainFile: String, privateKeyFile: String,
                minimumVersion: TLSVersion = .tls1_2, maximumVersion: TLSVersion = .tls1_3) throws(TLSError) {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw TLSError.configuration("SSL_CTX_new failed") }
        self.ctx = ctx
        // From here deinit frees ctx whatever throws.
        guard minimumVersion <= maximumVersion,
              OpenSSLMacros.setMinProtoVersion(ctx, minimumVersion.openSSLValue),
              OpenSSLMacros.setMaxProtoVersion(ctx, maximumVersion.openSSLValue)
        else { throw TLSError.configuration("cannot offer \(minimumVersion) to \(maximumVersion)") }
        if minimumVersion < .tls1_2 { try OpenSSLMacros.allowLegacyVersions(ctx) }
        SSL_CTX_set_options(ctx, OpenSSLMacros.noRenegotiation)
        guard SSL_CTX_use_certificate_chain_file(ctx, certificateChainFile) == 1 else {
            throw TLSError.configuration("cannot load the certificate chain \(certificateChainFile)")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, privateKeyFile, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError.configuration("cannot load the private key \(privateKeyFile)")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            throw TLSError.configuration("the private key does not match the certificate")
        }
    }

    deinit { SSL_CTX_free(ctx) }

    /// A session for one accepted connection.
    public func makeSession() throws(TLSError) -> TLSSession {
        try TLSSession(ctx: ctx, owner: self, isClient: false, peerName: nil, resumptionKey: nil) { _ throws(TLSError) in }
    }
}
