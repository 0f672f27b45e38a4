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

    func invalidateAll() {
        invalidations += 1
        entries.removeAll(keepingCapacity: true)
    }
}
