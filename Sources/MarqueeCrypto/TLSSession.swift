import COpenSSL

/// One TLS connection, I/O-free: the caller moves bytes, OpenSSL does TLS
/// between two memory BIOs. Ciphertext from the socket goes in through
/// `receive`, plaintext comes out of `read`; plaintext goes in through
/// `write`, ciphertext to send comes out of `takeCiphertext`. The driver
/// (a libuv connection, or a test shuttling bytes) follows one rule: after
/// any call, send what `takeCiphertext()` returns if it is not empty
/// (handshake messages, session tickets, alerts and close_notify all
/// appear there).
///
/// Ownership: `ssl` is this object's and is freed once, in deinit. SSL_new
/// takes its own reference on the SSL_CTX, and `owner` keeps the Swift
/// context alive, whose callbacks the SSL may call. SSL_set_bio transfers
/// both memory BIOs to the SSL: SSL_free frees them, so `inbound` and
/// `outbound` are borrowed and never freed here.
///
/// Threads: a session is single-threaded (not Sendable): one loop owns it
/// from creation to deinit. Its context may be shared across threads.
public final class TLSSession {
    public enum HandshakeStep: Sendable, Equatable {
        /// Feed ciphertext from the peer (`receive`), then step again.
        case wantRead
        /// Ciphertext is waiting: send `takeCiphertext()`, then step again.
        case wantWrite
        case done
        /// Final; any alert for the peer was already reported as `wantWrite`.
        case failed(TLSError)
    }

    public enum ReadStatus: Sendable, Equatable {
        /// All plaintext received so far was appended; feed more ciphertext.
        case wantRead
        /// The peer sent close_notify: no more plaintext will come.
        case closed
        case failed(TLSError)
    }

    public enum ShutdownStep: Sendable, Equatable {
        /// Our close_notify is queued; the peer's has not arrived yet.
        case sent
        /// Both directions are closed, or there is no TLS left to close
        /// (a failed or unfinished handshake): close the transport.
        case complete
    }

    enum State { case handshaking, established, failed(TLSError) }

    let ssl: OpaquePointer
    /// Ciphertext from the peer, read by the SSL.
    private let inbound: OpaquePointer
    /// Ciphertext for the peer, written by the SSL.
    private let outbound: OpaquePointer
    let owner: AnyObject
    /// The name being connected to (clients), for verification and reasons.
    let peerName: String?
    /// Where the client context files this connection's SSL_SESSION.
    let resumptionKey: String?
    var state = State.handshaking

    /// `configure` runs on the new SSL before the handshake (SNI, host name
    /// checks, a session to resume); a throw frees everything.
    init(ctx: OpaquePointer, owner: AnyObject, isClient: Bool, peerName: String?, resumptionKey: String?,
         configure: (OpaquePointer) throws(TLSError) -> Void) throws(TLSError) {
        guard let ssl = SSL_new(ctx) else { throw TLSError.configuration("SSL_new failed") }
        guard let inbound = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError.configuration("BIO_new failed")
        }
        guard let outbound = BIO_new(BIO_s_mem()) else {
            BIO_free(inbound)
            SSL_free(ssl)
            throw TLSError.configuration("BIO_new failed")
        }
        SSL_set_bio(ssl, inbound, outbound)  // the SSL owns both BIOs from here
        self.ssl = ssl
        self.inbound = inbound
        self.outbound = outbound
        self.owner = owner
        self.peerName = peerName
        self.resumptionKey = resumptionKey
        // Index 0 is OpenSSL's reserved app-data slot; the SSL never outlives self.
        SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(self).toOpaque())
        if isClient { SSL_set_connect_state(ssl) } else { SSL_set_accept_state(ssl) }
        try configure(ssl)
    }

    deinit { SSL_free(ssl) }

    static func from(ssl: OpaquePointer) -> TLSSession? {
        SSL_get_ex_data(ssl, 0).map { Unmanaged<TLSSession>.fromOpaque($0).takeUnretainedValue() }
    }

    // MARK: Bytes in and out

    /// Ciphertext received from the peer.
    public func receive(_ ciphertext: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < ciphertext.count {
            let chunk = min(ciphertext.count - offset, Int(Int32.max))
            let written = BIO_write(inbound, ciphertext.baseAddress! + offset, Int32(chunk))
            precondition(written == chunk, "memory BIO refused a write: out of memory")
            offset += chunk
        }
    }

    public func receive(_ ciphertext: [UInt8]) {
        ciphertext.withUnsafeBytes { receive($0) }
    }

    /// The transport ended (the socket read EOF). Further handshake steps
    /// and reads report `peerClosed` unless close_notify came first.
    public func receiveEndOfStream() {
        OpenSSLMacros.setMemEOFReturn(inbound, 0)
    }

    public var hasCiphertextToSend: Bool { BIO_ctrl_pending(outbound) > 0 }

    /// All ciphertext waiting to be sent, in order; empty when none is.
    public func takeCiphertext() -> [UInt8] {
        let pending = Int(BIO_ctrl_pending(outbound))
        guard pending > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: pending) { buffer, count in
            count = Int(BIO_read(outbound, buffer.baseAddress, Int32(pending)))
            precondition(count == pending, "memory BIO returned less than it holds")
        }
    }

    // MARK: Handshake

    /// One step of the handshake; call it until `done` or `failed`.
    public func handshake() -> HandshakeStep {
        if case .handshaking = state {
            ERR_clear_error()
            let result = SSL_do_handshake(ssl)
            if result == 1 {
                state = .established
            } else {
                switch SSL_get_error(ssl, result) {
                case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                    break
                case SSL_ERROR_ZERO_RETURN, SSL_ERROR_SYSCALL:
                    state = .failed(TLSError.peerClosedDuringHandshake(TLSError.drainErrorQueue().text))
                default:
                    state = .failed(TLSError.handshake(ssl: ssl, peerName: peerName))
                }
            }
        }
        if hasCiphertextToSend { return .wantWrite }
        switch state {
        case .handshaking: return .wantRead
        case .established: return .done
        case .failed(let error): return .failed(error)
        }
    }

    public var isHandshakeDone: Bool {
        if case .established = state { return true }
        return false
    }

    /// True when the handshake resumed an earlier session (no full
    /// certificate exchange).
    public var isResumed: Bool { SSL_session_reused(ssl) == 1 }

    /// The negotiated version, once the handshake is done.
    public var protocolVersion: TLSVersion? {
        isHandshakeDone ? TLSVersion(openSSLValue: SSL_version(ssl)) : nil
    }

    /// The host name the client sent as SNI (on a server session), nil if
    /// it sent none.
    public var requestedServerName: String? {
        SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name).map { String(cString: $0) }
    }
}
