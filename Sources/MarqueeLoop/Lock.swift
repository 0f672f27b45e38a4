import Glibc

/// A pthread mutex guarding a value, for the few cold paths that share
/// state between threads (shutdown bookkeeping, metrics collection).
/// pthread rather than the standard library's futex-based `Mutex` so that
/// Thread Sanitizer understands it; never used on the request path.
public final class Lock<Value>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body(&value)
    }
}
