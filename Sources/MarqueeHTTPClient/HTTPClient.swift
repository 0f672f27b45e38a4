import MarqueeCrypto
import MarqueeHTTP
import MarqueeLoop

/// An HTTP/1.1 client on one event loop: for each host (scheme, host,
/// port), a pool of keep-alive connections up to a bound, and a queue of
/// requests waiting for one. https speaks TLS 1.2 or 1.3 only, with SNI,
/// the certificate chain and the host name verified, and sessions resumed
/// on reconnect. Nothing here blocks: names resolve on libuv's thread
/// pool, everything else is the loop's callbacks.
///
/// Loop-bound: one per shard loop; every call, and every completion, is on
/// that loop. A completion may run before `execute` returns (an invalid
/// URL, a client shut down).
///
/// Retries: a request goes out again, once and on a fresh connection,
/// only when a reused connection closed with no byte of a response and
/// the request is replayable (an idempotent method, or an
/// `Idempotency-Key`); otherwise the caller gets the error and decides.
public final class HTTPClient {
    public let loop: EventLoop
    public let configuration: HTTPClientConfiguration
    let tlsContext: TLSClientContext
    var counters = HTTPClientStatistics()
    private var pools: [PoolKey: HostPool] = [:]
    /// Connections not yet finished (their libuv handles not all closed).
    private var liveConnections = 0
    private(set) var isShuttingDown = false
    private var shutdownWaiters: [() -> Void] = []

    /// A client with a TLS context of its own, made from `configuration`
    /// (it reads the CA file or the system bundle now).
    public convenience init(loop: EventLoop, configuration: HTTPClientConfiguration = .init()) throws {
        let context = try TLSClientContext(caFile: configuration.caFile, resumesSessions: configuration.resumesTLSSessions)
        self.init(loop: loop, configuration: configuration, tlsContext: context)
    }

    /// A client using `tlsContext`, which may be shared by the clients of
    /// several loops (one CA bundle loaded, one session cache); its CA and
    /// resumption settings win over `configuration`'s.
    public init(loop: EventLoop, configuration: HTTPClientConfiguration = .init(), tlsContext: TLSClientContext) {
        self.loop = loop
        self.configuration = configuration
        self.tlsContext = tlsContext
    }

    /// Sends `request` on a pooled connection to its host, or a new one,
    /// or queues it until one is free; `completion` runs once, on the loop.
    public func execute(_ request: HTTPClientRequest,
                        _ completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void) {
        loop.assertInLoop()
        guard !isShuttingDown else { return completion(.failure(.shutdown)) }
        let pending: PendingRequest
        do {
            let url = try ClientURL(parsing: request.url)
            let bytes = try RequestEncoding.encode(request, url: url, closeAfter: !configuration.reuseConnections)
            pending = PendingRequest(method: request.method, url: url, bytes: bytes,
                                     isReplayable: request.isReplayable,
                                     readTimeoutMilliseconds: request.readTimeoutMilliseconds ?? configuration.readTimeoutMilliseconds,
                                     completion: completion)
        } catch {
            return completion(.failure(error))
        }
        let pool = pools[pending.key] ?? {
            let pool = HostPool(key: pending.key)
            pools[pending.key] = pool
            return pool
        }()
        pool.queue.append(pending)
        dispatch(pool)
    }

    /// Stops the client: queued requests fail with `.shutdown`, idle
    /// connections close with TLS close_notify, connections still opening
    /// are abandoned (their requests fail with `.shutdown`), and requests
    /// in flight finish first. `done` runs on the loop once every
    /// connection is closed.
    public func shutdown(_ done: @escaping () -> Void) {
        loop.assertInLoop()
        shutdownWaiters.append(done)
        if !isShuttingDown {
            isShuttingDown = true
            for pool in pools.values {
                let queued = pool.queue
                pool.queue = []
                for request in queued { request.complete(.failure(.shutdown)) }
                for connection in pool.idle { connection.closeGracefully() }
                for connection in pool.connections.values
                where connection.state == .connecting || connection.state == .handshaking {
                    connection.fail(.shutdown)
                }
            }
        }
        notifyIfShutDown()
    }

    public var statistics: HTTPClientStatistics {
        loop.assertInLoop()
        var snapshot = counters
        snapshot.openConnections = pools.values.reduce(0) { $0 + $1.connections.count }
        snapshot.idleConnections = pools.values.reduce(0) { $0 + $1.idle.count }
        snapshot.queuedRequests = pools.values.reduce(0) { $0 + $1.queue.count }
        return snapshot
    }

    // MARK: The pool

    /// Gives waiting requests a connection: an idle one that is still
    /// open, else a new one while the host is under its bound. Re-entered
    /// calls (a completion that executes) only ask for another pass.
    func dispatch(_ pool: HostPool) {
        guard !pool.isDispatching else {
            pool.dispatchAgain = true
            return
        }
        pool.isDispatching = true
        repeat {
            pool.dispatchAgain = false
            dispatchOnce(pool)
        } while pool.dispatchAgain
        pool.isDispatching = false
    }

    private func dispatchOnce(_ pool: HostPool) {
        while let head = pool.queue.first, !isShuttingDown {
            if !head.needsFreshConnection, let connection = takeIdle(pool) {
                pool.queue.removeFirst()
                connection.send(head)
            } else if pool.connections.count < configuration.maxConnectionsPerHost {
                pool.queue.removeFirst()
                let connection = ClientConnection(client: self, pool: pool, for: head)
                pool.connections[ObjectIdentifier(connection)] = connection
                liveConnections += 1
                connection.open()
            } else if head.needsFreshConnection, let idle = pool.idle.first {
                idle.closeGracefully()  // makes room under the bound
            } else {
                return
            }
        }
    }

    /// The most recently used idle connection that the server has not
    /// closed; stale ones are dropped on the way.
    private func takeIdle(_ pool: HostPool) -> ClientConnection? {
        while let connection = pool.idle.popLast() {
            guard connection.isStale else { return connection }
            counters.idleConnectionsClosedByPeer += 1
            connection.abort()
        }
        return nil
    }

    // MARK: From connections

    func connectionIdle(_ connection: ClientConnection) {
        connection.pool.idle.append(connection)
        dispatch(connection.pool)
    }

    /// The connection can carry no more requests.
    func connectionGone(_ connection: ClientConnection) {
        let pool = connection.pool
        pool.connections[ObjectIdentifier(connection)] = nil
        pool.removeIdle(connection)
        dispatch(pool)
    }

    /// The connection's handles are all closed.
    func connectionFinished(_ connection: ClientConnection) {
        liveConnections -= 1
        notifyIfShutDown()
    }

    func requestFailed(_ request: PendingRequest, _ error: HTTPClientError, retryable: Bool) {
        guard retryable, request.isReplayable, request.attempts < 2, !isShuttingDown,
              let pool = pools[request.key] else {
            return request.complete(.failure(error))
        }
        counters.retriedRequests += 1
        request.needsFreshConnection = true
        pool.queue.insert(request, at: 0)
        dispatch(pool)
    }

    private func notifyIfShutDown() {
        guard isShuttingDown, liveConnections == 0, !shutdownWaiters.isEmpty else { return }
        let waiters = shutdownWaiters
        shutdownWaiters = []
        for done in waiters { done() }
    }
}
