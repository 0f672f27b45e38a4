import MarqueeHTTP
@testable import MarqueeServer
import MarqueeTestSupport
import Testing

@Suite("Response cache")
struct ResponseCacheTests {
    @Test("hits until the entry expires, and invalidation empties it")
    func expiry() {
        let cache = ResponseCache()
        cache.store("/v1/movies", .json(.ok, "[]"), now: 1_000, ttl: 500)
        #expect(cache.lookup("/v1/movies", now: 1_400) != nil)
        #expect(cache.lookup("/v1/movies", now: 1_500) == nil)
        cache.store("/v1/genres", .json(.ok, "[]"), now: 2_000, ttl: 500)
        cache.invalidateAll()
        #expect(cache.lookup("/v1/genres", now: 2_001) == nil)
    }

    @Test("concurrent misses of one key make one fetch; the others get its answer")
    func coalescing() {
        let cache = ResponseCache()
        var answered: [Int] = []
        #expect(cache.beginFetch("k") { _ in answered.append(0) })
        #expect(!cache.beginFetch("k") { answered.append($0.status.code) })
        #expect(!cache.beginFetch("k") { answered.append($0.status.code) })
        #expect(cache.beginFetch("other") { _ in })
        cache.finishFetch("k", .json(.ok, "{}"))
        #expect(answered == [200, 200], "the waiters got the fetcher's response; the fetcher answers its own")
        #expect(cache.beginFetch("k") { _ in }, "a new miss fetches again")
    }

    @Test("a full cache starts over instead of growing")
    func bounded() {
        let cache = ResponseCache(capacity: 3)
        for index in 0..<4 { cache.store("k\(index)", .json(.ok, "{}"), now: 0, ttl: 1_000) }
        #expect(cache.lookup("k0", now: 1) == nil)
        #expect(cache.lookup("k3", now: 1) != nil)
    }

    @Test("a cached read that fails by an error path ends its fetch: the next request for the key is answered too")
    func failedFetchEnds() throws {
        let server = try TestServer.start { $0.shards = 1 }
        defer { server.stop() }
        for attempt in 1...3 {
            let client = try TestClient(port: server.port)
            try client.send(get("/cached-read"))
            let response = try client.readResponse()
            #expect(response.status == 503, "attempt \(attempt): \(response)")
            #expect(response.text.contains("database_unavailable"))
        }
    }
}
