import COpenSSL

/// Why a TLS session or context failed, typed for the caller to act on and
/// with a reason for the log built from OpenSSL's own words (the verify
/// result's text, or the error queue's entries).
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The certificate is valid but names another host.
        case hostNameMismatch
        /// Self-signed, or signed by a CA the trust store does not hold.
        case untrustedCertificate
        /// Outside its validity period: expired, or not yet valid.
        case certificateExpired
        /// Any other reason chain verification refused the certificate.
        case certificateRejected
        /// The peer speaks no protocol version we accept (below TLS 1.2).
        case protocolVersion
        /// Any other failure during the handshake (cipher mismatch, an alert
        /// from the peer, garbage on the wire).
        case handshakeFailure
        /// The transport ended without the peer's close_notify.
        case peerClosed
        /// A failure after the handshake (a bad record, an alert).
        case protocolError
        /// The context could not be built: a CA, certificate or key file.
        case configuration
    }

    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "TLS \(kind): \(reason)" }
}

extension TLSError {
    /// Empties this thread's OpenSSL error queue into one line, oldest first.
    /// Also returns the oldest entry's reason code, which names the cause
    /// (later entries are usually consequences).
    static func drainErrorQueue() -> (firstReason: Int32, text: String) {
        var first: Int32 = 0
        var lines: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        while case let code = ERR_get_error(), code != 0 {
            if first == 0 { first = ERR_GET_REASON(code) }
            ERR_error_string_n(code, &buffer, buffer.count)
            lines.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return (first, lines.joined(separator: "; "))
    }

    /// A configuration failure with the queue's text (a missing file, a key
    /// that does not match its certificate).
    static func configuration(_ what: String) -> TLSError {
        let queue = drainErrorQueue().text
        return TLSError(.configuration, queue.isEmpty ? what : "\(what): \(queue)")
    }

    /// Classifies a handshake that OpenSSL reported as SSL_ERROR_SSL.
    /// Verification failures are read from the verify result, which says
    /// what was wrong with the certificate; the rest from the error queue.
    static func handshake(ssl: OpaquePointer, peerName: String?) -> TLSError {
        let queue = drainErrorQueue()
        let verify = Int32(SSL_get_verify_result(ssl))
        if queue.firstReason == SSL_R_CERTIFICATE_VERIFY_FAILED, verify != X509_V_OK {
            let text = String(cString: X509_verify_cert_error_string(Int(verify)))
            let name = peerName.map { " for \"\($0)\"" } ?? ""
            return TLSError(verificationKind(verify), "certificate verify failed\(name): \(text)")
        }
        let text = queue.text.isEmpty ? "no detail from OpenSSL" : queue.text
        switch queue.firstReason {
        case SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, SSL_R_NO_PROTOCOLS_AVAILABLE,
             SSL_R_UNSUPPORTED_SSL_VERSION, SSL_R_VERSION_TOO_LOW:
            let floor = peerName == nil ? "" : " (this client requires TLS 1.2 or 1.3)"
            return TLSError(.protocolVersion, "no protocol version in common\(floor): \(text)")
        case SSL_R_UNEXPECTED_EOF_WHILE_READING:
            return peerClosedDuringHandshake(text)
        default:
            return TLSError(.handshakeFailure, "handshake failed: \(text)")
        }
    }

    static func peerClosedDuringHandshake(_ detail: String) -> TLSError {
        TLSError(.peerClosed, "the peer closed the connection during the handshake" + (detail.isEmpty ? "" : ": \(detail)"))
    }

    static func verificationKind(_ result: Int32) -> Kind {
        switch result {
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            .hostNameMismatch
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            .untrustedCertificate
        case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
            .certificateExpired
        default:
            .certificateRejected
        }
    }
}
