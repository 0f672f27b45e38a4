import MarqueeHTTP

/// Finished read responses of one shard by key (route plus normalised
/// query), so browsing does not reach the database per request. Entries
/// live `ttl` milliseconds at most; writes invalidate everything at once
/// through PostgreSQL `NOTIFY marquee_cache_invalidate`, which every
/// shard of every instance LISTENs to, and a reconnect clears the cache
/// too (a notification may have been missed meanwhile). Loop thread only.
final class ResponseCache {
    static let channel = "marquee_cache_invalidate"

    private struct Entry {
        let response: HTTPResponse
        let expiresAt: UInt64
    }

    private var entries: [String: Entry] = [:]
    /// Misses being fetched now, with the requests waiting for the same key:
    /// a cold cache under load sends one query per key, not one per request.
    private var pending: [String: [(HTTPResponse) -> Void]] = [:]
    let capacity: Int
    private(set) var hits: UInt64 = 0
    private(set) var misses: UInt64 = 0
    private(set) var invalidations: UInt64 = 0

    init(capacity: Int = 10_000) { self.capacity = capacity }

    func lookup(_ key: String, now: UInt64) -> HTTPResponse? {
        guard let entry = entries[key], entry.expiresAt > now else {
            misses += 1
            return nil
        }
        hits += 1
        return entry.response
    }

    func store(_ key: String, _ response: HTTPResponse, now: UInt64, ttl: UInt64) {
        // Crude but bounded: a full cache starts over rather than growing.
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = Entry(response: response, expiresAt: now + ttl)
    }

    /// True if the caller should fetch `key`; false if a fetch is under way
    /// and `waiter` will get its response.
    func beginFetch(_ key: String, waiter: @escaping (HTTPResponse) -> Void) -> Bool {
        if pending[key] != nil {
            pending[key]!.append(waiter)
            return false
        }
        pending[key] = []
        return true
    }

    /// Ends a fetch: hands `response` to everyone who waited for it.
    func finishFetch(_ key: String, _ response: HTTPResponse) {
        let waiters = pending.removeValue(forKey: key) ?? []
        for waiter in waiters { waiter(response) }
    }

    func invalidateAll() {
        invalidations += 1
        entries.removeAll(keepingCapacity: true)
    }
}
