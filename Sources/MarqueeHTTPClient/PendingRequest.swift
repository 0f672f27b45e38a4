import MarqueeHTTP

/// A request from `execute` until its completion runs, which is once.
final class PendingRequest {
    let method: HTTPMethod
    let key: PoolKey
    let url: ClientURL
    let bytes: [UInt8]
    let isReplayable: Bool
    let readTimeoutMilliseconds: UInt64
    private var completion: ((Result<HTTPClientResponse, HTTPClientError>) -> Void)?
    /// Set for a retry: it must not go out on a pooled connection again.
    var needsFreshConnection = false
    var attempts = 0

    init(method: HTTPMethod, url: ClientURL, bytes: [UInt8], isReplayable: Bool, readTimeoutMilliseconds: UInt64,
         completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void) {
        self.method = method
        self.key = PoolKey(url)
        self.url = url
        self.bytes = bytes
        self.isReplayable = isReplayable
        self.readTimeoutMilliseconds = readTimeoutMilliseconds
        self.completion = completion
    }

    func complete(_ result: Result<HTTPClientResponse, HTTPClientError>) {
        guard let completion else { return }
        self.completion = nil
        completion(result)
    }
}

/// The connections and waiting requests of one host.
final class HostPool {
    let key: PoolKey
    /// Every connection of this host not yet closed: opening, busy or idle.
    var connections: [ObjectIdentifier: ClientConnection] = [:]
    /// Idle connections, the most recently used last (taken first: the
    /// least likely to have been closed by the server).
    var idle: [ClientConnection] = []
    /// Requests waiting for a connection, oldest first.
    var queue: [PendingRequest] = []
    /// Set while `HTTPClient.dispatch` runs for this pool; a call from
    /// within (a completion that executes) asks for one more pass instead.
    var isDispatching = false
    var dispatchAgain = false

    init(key: PoolKey) { self.key = key }

    func removeIdle(_ connection: ClientConnection) {
        idle.removeAll { $0 === connection }
    }
}
