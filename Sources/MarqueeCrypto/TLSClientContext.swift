import COpenSSL

/// The client side's SSL_CTX, made once per configuration and shared by
/// every connection (and thread) that uses it: TLS 1.2 minimum, 1.3
/// allowed, the peer's certificate chain verified against the system CA
/// bundle or a given CA file, the host name checked, sessions kept for
/// resumption per host.
///
/// Ownership: `ctx` is freed once, in deinit. Sessions made here keep this
/// object alive (and SSL_new holds its own reference on the SSL_CTX).
/// Sharing: SSL_CTX is safe to use from several threads once configured,
/// and it is never reconfigured after init; the session cache locks.
public final class TLSClientContext: @unchecked Sendable {
    let ctx: OpaquePointer
    let sessionCache: TLSSessionCache?

    /// - Parameters:
    ///   - caFile: a PEM file of trusted CAs; nil trusts the system bundle.
    ///   - resumesSessions: keep sessions to resume the next connection to
    ///     the same host (false forces a full handshake every time).
    public convenience init(caFile: String? = nil, resumesSessions: Bool = true) throws(TLSError) {
        try self.init(caFile: caFile, resumesSessions: resumesSessions, minimumVersion: .tls1_2)
    }

    /// `minimumVersion` below TLS 1.2 is for tests only (internal): a
    /// legacy client that shows a test server really offers TLS 1.1.
    init(caFile: String?, resumesSessions: Bool, minimumVersion: TLSVersion) throws(TLSError) {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw TLSError.configuration("SSL_CTX_new failed") }
        self.ctx = ctx
        sessionCache = resumesSessions ? TLSSessionCache() : nil
        // From here deinit frees ctx whatever throws.
        guard OpenSSLMacros.setMinProtoVersion(ctx, minimumVersion.openSSLValue) else {
            throw TLSError.configuration("cannot set \(minimumVersion) as the minimum version")
        }
        if minimumVersion < .tls1_2 { try OpenSSLMacros.allowLegacyVersions(ctx) }
        SSL_CTX_set_options(ctx, OpenSSLMacros.noRenegotiation)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        if let caFile {
            guard SSL_CTX_load_verify_file(ctx, caFile) == 1 else {
                throw TLSError.configuration("cannot load the CA file \(caFile)")
            }
        } else {
            guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                throw TLSError.configuration("cannot load the system CA bundle")
            }
        }
        if resumesSessions {
            // Client caching only makes OpenSSL call the callback below with
            // each new session (TLS 1.3 tickets arrive after the handshake).
            OpenSSLMacros.setSessionCacheMode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE)
            SSL_CTX_sess_set_new_cb(ctx, tlsClientNewSession)
        }
    }

    deinit { SSL_CTX_free(ctx) }

    /// A session for a connection to `serverName` (a DNS name, or an IP
    /// address literal): SNI and the certificate's name are checked
    /// against it. `resumptionKey` names the peer for session resumption
    /// (say "host:port"); it defaults to `serverName`.
    public func makeSession(serverName: String, resumptionKey: String? = nil) throws(TLSError) -> TLSSession {
        guard !serverName.isEmpty else { throw TLSError(.configuration, "an empty server name") }
        let key = sessionCache == nil ? nil : (resumptionKey ?? serverName)
        return try TLSSession(ctx: ctx, owner: self, isClient: true, peerName: serverName, resumptionKey: key) {
            (ssl) throws(TLSError) in
            try Self.expect(serverName, on: ssl)
            if let key, let resumable = sessionCache?.take(for: key) {
                _ = SSL_set_session(ssl, resumable)  // takes its own reference
                SSL_SESSION_free(resumable)
            }
        }
    }

    /// Number of hosts with a session ready to resume.
    public var resumableSessionCount: Int { sessionCache?.resumableCount ?? 0 }

    /// An IP literal is matched against the certificate's IP addresses and
    /// sent without SNI (RFC 6066 allows only host names there); a name is
    /// sent as SNI and matched against its DNS names, wildcards only whole.
    private static func expect(_ serverName: String, on ssl: OpaquePointer) throws(TLSError) {
        if X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) == 1 { return }
        guard OpenSSLMacros.setTLSExtHostName(ssl, serverName), SSL_set1_host(ssl, serverName) == 1 else {
            throw TLSError.configuration("cannot use \"\(serverName)\" as the server name")
        }
        SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
    }

    /// Called by the new-session callback, on the thread of the session.
    func keep(_ session: OpaquePointer, for key: String) {
        sessionCache?.store(session, for: key)
    }
}

/// OpenSSL's new-session callback: files the session under its
/// connection's key. Returning 1 keeps the reference OpenSSL passed in.
private func tlsClientNewSession(_ ssl: OpaquePointer?, _ session: OpaquePointer?) -> Int32 {
    guard let ssl, let session, SSL_SESSION_is_resumable(session) == 1,
          let connection = TLSSession.from(ssl: ssl), let key = connection.resumptionKey,
          let context = connection.owner as? TLSClientContext
    else { return 0 }
    context.keep(session, for: key)
    return 1
}
