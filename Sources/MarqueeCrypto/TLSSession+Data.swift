import COpenSSL

/// Application data and closing, after the handshake.
extension TLSSession {
    /// The largest plaintext of one TLS record; each SSL_read returns at most one.
    static let recordPlaintextLimit = 16 * 1024

    /// Encrypts `plaintext` whole (in as many records as it needs) into the
    /// outgoing ciphertext; send `takeCiphertext()` after.
    public func write(_ plaintext: UnsafeRawBufferPointer) throws(TLSError) {
        try requireEstablished("write")
        guard plaintext.count > 0 else { return }
        ERR_clear_error()
        var written = 0
        // A memory BIO never refuses a write, so without partial-write mode
        // SSL_write_ex either takes every byte or fails.
        if SSL_write_ex(ssl, plaintext.baseAddress, plaintext.count, &written) != 1 || written != plaintext.count {
            let error = TLSError(.protocolError, "write failed: \(TLSError.drainErrorQueue().text)")
            state = .failed(error)
            throw error
        }
    }

    public func write(_ plaintext: [UInt8]) throws(TLSError) {
        // withUnsafeBytes rethrows untyped errors, so the typed one is carried out.
        var failure: TLSError?
        plaintext.withUnsafeBytes { bytes in
            do throws(TLSError) { try write(bytes) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Decrypts everything received so far, appending it to `plaintext`.
    /// Post-handshake messages (TLS 1.3 session tickets) are consumed here
    /// too, so a client reads even when it expects no data.
    public func read(into plaintext: inout [UInt8]) -> ReadStatus {
        do { try requireEstablished("read") } catch { return .failed(error) }
        ERR_clear_error()
        while true {
            let start = plaintext.count
            plaintext.append(contentsOf: repeatElement(0, count: Self.recordPlaintextLimit))
            var count = 0
            let result = plaintext.withUnsafeMutableBytes { buffer in
                SSL_read_ex(ssl, buffer.baseAddress! + start, Self.recordPlaintextLimit, &count)
            }
            plaintext.removeLast(Self.recordPlaintextLimit - (result == 1 ? count : 0))
            if result == 1 { continue }
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return .wantRead
            case SSL_ERROR_ZERO_RETURN:
                return .closed
            case SSL_ERROR_SYSCALL:
                return fail(TLSError(.peerClosed, "the peer closed the connection without close_notify"))
            default:
                let queue = TLSError.drainErrorQueue()
                if queue.firstReason == SSL_R_UNEXPECTED_EOF_WHILE_READING {
                    return fail(TLSError(.peerClosed, "the peer closed the connection without close_notify"))
                }
                return fail(TLSError(.protocolError, queue.text.isEmpty ? "read failed" : queue.text))
            }
        }
    }

    /// Sends our close_notify (once) and reports whether the peer's has
    /// arrived; call again after feeding more ciphertext to see it, or
    /// watch `read` return `closed`.
    ///
    /// Call it before dropping a healthy connection: OpenSSL retires the
    /// SSL_SESSION of a connection freed after its handshake without our
    /// close_notify (it may have been cut short by an attacker), so the
    /// next connection to that host could not resume it.
    public func shutdown() -> ShutdownStep {
        guard isHandshakeDone else { return .complete }
        ERR_clear_error()
        let result = SSL_shutdown(ssl)
        if result == 1 { return .complete }
        if result == 0 { return .sent }
        let error = SSL_get_error(ssl, result)
        _ = TLSError.drainErrorQueue()
        return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE ? .sent : .complete
    }

    /// The peer's close_notify has been read.
    public var peerSentCloseNotify: Bool { SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN != 0 }

    private func requireEstablished(_ operation: String) throws(TLSError) {
        switch state {
        case .established: return
        case .failed(let error): throw error
        case .handshaking: throw TLSError(.protocolError, "\(operation) before the handshake completed")
        }
    }

    private func fail(_ error: TLSError) -> ReadStatus {
        state = .failed(error)
        return .failed(error)
    }
}
