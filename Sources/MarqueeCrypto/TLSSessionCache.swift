import COpenSSL
import Glibc

/// Client SSL_SESSIONs kept for resumption, one per key (host and port),
/// shared by every thread that uses the context.
///
/// Each stored pointer holds one reference of its own, dropped when it is
/// replaced, taken or at deinit. TLS 1.3 tickets are handed out once and
/// removed (RFC 8446 C.4: a client should not reuse a ticket); the new
/// connection brings fresh ones. A TLS 1.2 session stays until replaced.
/// A pthread mutex rather than `Mutex` so that Thread Sanitizer sees it.
final class TLSSessionCache: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var sessions: [String: OpaquePointer] = [:]
    private let capacity: Int

    init(capacity: Int = 256) {
        self.capacity = capacity
        pthread_mutex_init(&mutex, nil)
    }

    deinit {
        for session in sessions.values { SSL_SESSION_free(session) }
        pthread_mutex_destroy(&mutex)
    }

    /// Files `session`, taking over the caller's reference.
    func store(_ session: OpaquePointer, for key: String) {
        pthread_mutex_lock(&mutex)
        let replaced = sessions.updateValue(session, forKey: key)
        if replaced == nil, sessions.count > capacity, let other = sessions.keys.first(where: { $0 != key }) {
            SSL_SESSION_free(sessions.removeValue(forKey: other)!)
        }
        pthread_mutex_unlock(&mutex)
        if let replaced { SSL_SESSION_free(replaced) }
    }

    /// A session to resume for `key`, with a reference the caller must free.
    func take(for key: String) -> OpaquePointer? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard let session = sessions[key] else { return nil }
        if SSL_SESSION_is_resumable(session) != 1 {
            sessions[key] = nil
            SSL_SESSION_free(session)
            return nil
        }
        if SSL_SESSION_get_protocol_version(session) >= TLS1_3_VERSION {
            sessions[key] = nil  // the stored reference passes to the caller
        } else {
            SSL_SESSION_up_ref(session)
        }
        return session
    }

    /// Sessions that can still resume (see `TLSSession.shutdown()` for
    /// what makes OpenSSL retire one).
    var resumableCount: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return sessions.values.count { SSL_SESSION_is_resumable($0) == 1 }
    }
}
