import MarqueeCrypto
import MarqueeHTTP
import MarqueeLoop

/// One connection of a host's pool: TCP, then TLS for https, then one
/// request at a time. It is opened for a request and sends it once ready;
/// after a reusable response it waits in the pool, idle, for the next.
///
/// One timer serves each phase in turn: connect, TLS handshake, response
/// (from the request sent to the whole response), idle, and the bound on
/// a graceful close.
///
/// Lifetime: the pool holds the connection while it may carry requests;
/// the TCP connection's callbacks hold it until its handle is closed;
/// `client.connectionFinished` is told once, when no libuv handle of it is
/// left. Loop thread only.
final class ClientConnection {
    enum State: Equatable { case connecting, handshaking, idle, active, closing, closed }

    let client: HTTPClient
    let pool: HostPool
    private(set) var state = State.connecting
    private var attempt: ConnectAttempt?
    /// From the connect call until its completion has run.
    private var isConnectPending = false
    private var tcp: TCPConnection?
    private var tls: TLSSession?
    private var parser: HTTPResponseParser
    private let timer: LoopTimer
    private var plaintext: [UInt8] = []
    /// The request being sent and answered, or the one this connection was opened for.
    private var request: PendingRequest?
    /// Requests started on this connection, the current one included.
    private var requestsStarted = 0
    /// Whether any byte of the current response has arrived.
    private var responseStarted = false
    private var isFinished = false

    /// How long a graceful close may wait for the server's side to close.
    static let closeBoundMilliseconds: UInt64 = 1_000

    init(client: HTTPClient, pool: HostPool, for request: PendingRequest) {
        self.client = client
        self.pool = pool
        self.request = request
        parser = HTTPResponseParser(limits: HTTPLimits(maxBodyBytes: client.configuration.maxResponseBodyBytes))
        timer = LoopTimer(loop: client.loop)
    }

    // MARK: Opening

    func open() {
        client.loop.updateTime()
        timer.start(after: client.configuration.connectTimeoutMilliseconds) { [weak self] in
            self?.fail(.timeout("connect"))
        }
        isConnectPending = true
        let started = TCPConnection.connect(loop: client.loop, host: pool.key.host, port: pool.key.port) { [self] result in
            isConnectPending = false
            attempt = nil
            guard state == .connecting else {
                // Timed out or shut down meanwhile: nothing waits for this socket.
                if case .success(let late) = result { late.close() }
                return finishIfReleased()
            }
            switch result {
            case .failure(.resolution(let error)): fail(.resolve(error.description))
            case .failure(.connection(let error)): fail(.connect(error.description))
            case .success(let connection): connected(connection)
            }
        }
        // A connect that failed at once has already completed.
        if isConnectPending { attempt = started }
    }

    private func connected(_ connection: TCPConnection) {
        tcp = connection
        client.counters.connectionsOpened += 1
        // The closures hold the connection until the handle's close callback clears them.
        connection.onRead = { bytes in self.received(bytes) }
        connection.onReadEnd = { _ in self.peerEnded() }
        connection.onClose = { self.transportClosed() }
        connection.startReading()
        guard pool.key.scheme == .https else { return ready() }
        do {
            tls = try client.tlsContext.makeSession(serverName: pool.key.host, resumptionKey: pool.key.resumptionKey)
        } catch {
            return fail(.tls(error.description))
        }
        state = .handshaking
        client.loop.updateTime()
        timer.start(after: client.configuration.tlsHandshakeTimeoutMilliseconds) { [weak self] in
            self?.fail(.timeout("TLS handshake"))
        }
        stepHandshake()
    }

    private func stepHandshake() {
        guard let tls, let tcp else { return }
        while state == .handshaking {
            switch tls.handshake() {
            case .wantWrite:
                tcp.write(tls.takeCiphertext())
            case .wantRead:
                return
            case .done:
                client.counters.tlsHandshakes += 1
                if tls.isResumed { client.counters.resumedTLSHandshakes += 1 }
                return ready()
            case .failed(let error):
                // A server that hangs up mid-handshake saw no request.
                return fail(error.kind == .peerClosed ? .connectionClosed(requestSent: false) : .tls(error.description))
            }
        }
    }

    private func ready() {
        timer.stop()
        guard let request else { return becomeIdle() }
        send(request)
    }

    // MARK: Requests

    /// Sends `request` on this connection, which is ready and not busy.
    func send(_ request: PendingRequest) {
        self.request = request
        state = .active
        if requestsStarted > 0 { client.counters.reusedRequests += 1 }
        requestsStarted += 1
        request.attempts += 1
        client.counters.requestsSent += 1
        responseStarted = false
        parser.expectResponse(to: request.method)
        client.loop.updateTime()
        timer.start(after: request.readTimeoutMilliseconds) { [weak self] in
            self?.fail(.timeout("response"))
        }
        if let tls {
            do { try tls.write(request.bytes) } catch { return fail(.tls(error.description)) }
            tcp?.write(tls.takeCiphertext())
        } else {
            tcp?.write(request.bytes)
        }
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .handshaking:
            tls?.receive(bytes)
            stepHandshake()
        case .idle, .active:
            guard let tls else { return deliver(bytes) }
            tls.receive(bytes)
            plaintext.removeAll(keepingCapacity: true)
            let status = tls.read(into: &plaintext)
            if tls.hasCiphertextToSend { tcp?.write(tls.takeCiphertext()) }
            if !plaintext.isEmpty { plaintext.withUnsafeBytes { deliver($0) } }
            switch status {
            case .wantRead: break
            case .closed: peerEnded()
            case .failed(let error) where error.kind == .peerClosed: peerEnded()
            case .failed(let error): fail(.tls(error.description))
            }
        case .connecting, .closing, .closed:
            break
        }
    }

    /// Plaintext from the server.
    private func deliver(_ bytes: UnsafeRawBufferPointer) {
        guard state == .active else {
            // Bytes on an idle connection answer nothing (a 408, say): it
            // cannot be trusted with another request.
            if state == .idle {
                client.counters.idleConnectionsClosedByPeer += 1
                abort()
            }
            return
        }
        responseStarted = true
        parser.append(bytes)
        drainParser()
    }

    private func drainParser() {
        while state == .active, let event = parser.next() {
            switch event {
            case .informational:
                continue
            case .response(let response):
                return finish(response)
            case .failure(.closedBeforeResponse):
                // On a reused connection, the server may have closed it as
                // the request left: the one case worth a retry.
                return fail(.connectionClosed(requestSent: true), retryable: requestsStarted > 1 && !responseStarted)
            case .failure(.truncated):
                return fail(.connectionClosed(requestSent: true))
            case .failure(.bodyTooLarge):
                return fail(.invalidResponse(
                    "the body exceeds the \(client.configuration.maxResponseBodyBytes)-byte bound"))
            case .failure(let error):
                return fail(.invalidResponse(error.description))
            }
        }
    }

    private func finish(_ received: HTTPReceivedResponse) {
        timer.stop()
        guard let request else { return }
        self.request = nil
        let response = HTTPClientResponse(status: received.head.statusCode,
                                          headers: received.head.headers.map { ($0.name, $0.value) },
                                          body: received.body)
        if received.head.keepAlive, parser.isIdle, client.configuration.reuseConnections, !client.isShuttingDown {
            becomeIdle()
        } else {
            closeGracefully()
        }
        request.complete(.success(response))
    }

    private func becomeIdle() {
        state = .idle
        timer.start(after: client.configuration.idleTimeoutMilliseconds) { [weak self] in
            self?.closeGracefully()
        }
        client.connectionIdle(self)
    }

    /// Whether an idle connection can no longer carry a request: the
    /// server closed it, or sent something, and the loop may not have
    /// read it yet.
    var isStale: Bool { tcp?.peerClosedOrSentData ?? true }

    // MARK: Ending

    /// The server ended its side (EOF, a reset, or TLS close_notify).
    private func peerEnded() {
        switch state {
        case .idle:
            client.counters.idleConnectionsClosedByPeer += 1
            abort()
        case .active:
            parser.endOfInput()
            drainParser()
            if state == .active { fail(.connectionClosed(requestSent: true)) }
        case .handshaking:
            fail(.connectionClosed(requestSent: false))
        case .closing:
            tcp?.close()
        case .connecting, .closed:
            break
        }
    }

    /// Ends the connection at once and fails its request, if any, with
    /// `error`. `retryable`: the request may go again on a fresh connection
    /// if it is replayable.
    func fail(_ error: HTTPClientError, retryable: Bool = false) {
        let request = self.request
        self.request = nil
        abort()
        if let request { client.requestFailed(request, error, retryable: retryable) }
    }

    /// Closes the transport now, without TLS close_notify.
    func abort() {
        guard state != .closed else { return }
        let wasUsable = state != .closing
        state = .closed
        timer.stop()
        attempt?.cancel()
        tcp?.close()
        if wasUsable { client.connectionGone(self) }
        finishIfReleased()
    }

    /// Closes a healthy connection: TLS close_notify (so the session stays
    /// resumable), then FIN once it has left; the socket closes when the
    /// server closes its side, or after a short bound.
    func closeGracefully() {
        guard state == .idle || state == .active, let tcp else { return abort() }
        state = .closing
        client.connectionGone(self)
        if let tls, tls.isHandshakeDone {
            _ = tls.shutdown()
            tcp.write(tls.takeCiphertext())
        }
        tcp.closeAfterWrites()
        timer.start(after: Self.closeBoundMilliseconds) { [weak self] in self?.tcp?.close() }
    }

    private func transportClosed() {
        if state != .closed {
            if request != nil { fail(.connectionClosed(requestSent: requestsStarted > 0)) } else { abort() }
        }
        tcp = nil
        finishIfReleased()
    }

    /// Reports the connection finished once it is closed and neither a
    /// connect attempt nor a TCP handle of it remains.
    private func finishIfReleased() {
        guard state == .closed, !isConnectPending, tcp == nil, !isFinished else { return }
        isFinished = true
        timer.close()
        client.connectionFinished(self)
    }
}
