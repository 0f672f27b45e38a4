import MarqueeHTTP
import MarqueeLoop

/// One client connection speaking HTTP/1.1: feeds the parser, dispatches
/// requests, and writes responses in request order even when handlers
/// finish out of order. Loop thread only.
///
/// Responses to the requests of one read are encoded into one buffer and
/// leave in one write at the end of the read callback (pipelined requests
/// cost one syscall, not one each).
final class HTTPConnection {
    /// A request awaiting (or holding) its response, in arrival order.
    struct Slot {
        let version: HTTPVersion
        let keepAlive: Bool
        let isHead: Bool
        let requestID: String
        let route: Int
        let startedNanos: UInt64
        var response: HTTPResponse?
    }

    let id: Int
    /// Accepted by the metrics listener: only the system routes answer.
    let onMetricsListener: Bool
    // unowned(unsafe): a shard outlives its connections (it closes them all).
    unowned(unsafe) let shard: Shard
    let tcp: TCPConnection
    private var parser: HTTPParser
    private var slots: [Slot] = []
    private var firstSlotSequence = 0
    private var output: [UInt8] = []
    private var inReadCallback = false
    /// No more requests are read: the last response closes the connection.
    private var closing = false
    private var readingPaused = false
    private(set) var lastProgress: UInt64
    private var requestStartedAt: UInt64
    private var lingerStartedAt: UInt64?
    /// Set once the connection switched to WebSocket: HTTP is over on it.
    private(set) var webSocket: WebSocketConnection?

    init(id: Int, shard: Shard, tcp: TCPConnection, onMetricsListener: Bool = false) {
        self.id = id
        self.onMetricsListener = onMetricsListener
        self.shard = shard
        self.tcp = tcp
        parser = HTTPParser(limits: shard.config.limits)
        output.reserveCapacity(4096)
        lastProgress = shard.loop.now
        requestStartedAt = lastProgress
        tcp.onRead = { [unowned(unsafe) self] bytes in self.didRead(bytes) }
        tcp.onReadEnd = { [unowned(unsafe) self] _ in self.peerEnded() }
        tcp.onDrained = { [unowned(unsafe) self] in self.updateReading() }
        // unowned(unsafe): the shard's table owns this object until onClose,
        // the last callback the TCP connection makes.
        tcp.onClose = { [unowned(unsafe) self] in
            self.webSocket?.closed()
            self.shard.connectionClosed(self)
        }
        tcp.startReading()
    }

    var isIdle: Bool { slots.isEmpty && parser.isIdle && !closing }

    // MARK: Reading

    private func didRead(_ bytes: UnsafeRawBufferPointer) {
        let now = shard.loop.now
        if parser.isIdle { requestStartedAt = now }
        lastProgress = now
        parser.append(bytes)
        inReadCallback = true
        processBufferedRequests()
        inReadCallback = false
        flushOutput()
    }

    private func processBufferedRequests() {
        while !closing && slots.count < shard.config.maxPipelinedRequests, let event = parser.next() {
            switch event {
            case .request(let request):
                if !parser.isIdle { requestStartedAt = shard.loop.now }
                dispatch(request)
            case .continueExpected:
                if slots.isEmpty { output.append(contentsOf: HTTPResponseEncoder.continueBytes) }
            case .failure(let error):
                shard.metrics.parseErrors[error.code, default: 0] += 1
                respondAndClose(.error(APIError(error)), route: shard.metrics.unparsedRoute)
            }
        }
        updateReading()
    }

    private func dispatch(_ request: HTTPRequest) {
        let head = request.head
        let requestID = shard.requestID(for: head)
        let sequence = firstSlotSequence + slots.count
        var match = shard.router.match(head.method, path: head.path)
        if case .found(_, _, let id) = match, !shard.listenerServes(id, metricsListener: onMetricsListener) { match = .notFound }
        let route: Int
        switch match {
        case .found(_, _, let id): route = id.rawValue
        default: route = shard.metrics.unmatchedRoute
        }
        slots.append(Slot(version: head.version, keepAlive: head.keepAlive, isHead: head.method == .HEAD,
                          requestID: requestID, route: route, startedNanos: SystemClock.monotonicNanoseconds()))
        if !head.keepAlive { closing = true }
        switch match {
        case .found(let endpoint, let parameters, let id):
            let handler = shard.routes.handlers[endpoint]
            let context = RequestContext(request: request, parameters: parameters, requestID: requestID,
                                         route: id, shard: shard, connection: self, slot: sequence)
            handler(context)
        case .methodNotAllowed(let allowed):
            complete(slot: sequence, with: .error(.methodNotAllowed(allowed)))
        case .invalidParameter(let error):
            complete(slot: sequence, with: .error(error))
        case .notFound:
            complete(slot: sequence, with: .error(.notFound("No route for \(head.method) \(head.path).")))
        }
    }

    /// Queues an error that ends the connection (parse failure, timeout).
    private func respondAndClose(_ response: HTTPResponse, route: Int) {
        let sequence = firstSlotSequence + slots.count
        slots.append(Slot(version: .http1_1, keepAlive: false, isHead: false,
                          requestID: shard.nextRequestID(), route: route,
                          startedNanos: SystemClock.monotonicNanoseconds()))
        closing = true
        complete(slot: sequence, with: response)
    }

    /// Pauses reading while too many requests wait or too much output is
    /// queued; resumes when both have drained.
    private func updateReading() {
        guard !tcp.isClosed, webSocket == nil else { return }
        let shouldPause = closing
            || slots.count >= shard.config.maxPipelinedRequests
            || tcp.pendingWriteBytes > 4 * 1024 * 1024
        if shouldPause && !readingPaused {
            readingPaused = true
            tcp.stopReading()
        } else if !shouldPause && readingPaused {
            readingPaused = false
            tcp.startReading()
            if parser.bufferedByteCount > 0 && !inReadCallback {
                processBufferedRequests()
                flushOutput()
            }
        }
    }

    private func peerEnded() {
        // A half-closed client may still await responses to what it sent.
        if slots.isEmpty {
            tcp.close()
        } else {
            closing = true
        }
    }

    // MARK: Writing

    /// Called through `RequestContext.respond`, possibly long after dispatch.
    func complete(slot sequence: Int, with response: HTTPResponse) {
        let index = sequence - firstSlotSequence
        guard index >= 0, index < slots.count, !tcp.isClosed else { return }
        slots[index].response = response
        guard index == 0 else { return }
        encodeReadyResponses()
        if !inReadCallback { flushOutput() }
    }

    private func encodeReadyResponses() {
        var taken = 0
        var dateBytes = shard.dateBytes()
        while taken < slots.count, let response = slots[taken].response {
            let slot = slots[taken]
            taken += 1
            // Once closing (shutdown, a parse error, the peer's FIN), the
            // last owed response says so.
            let keepAlive = slot.keepAlive && !(closing && taken == slots.count)
            HTTPResponseEncoder.encode(response, into: &output, date: dateBytes, version: slot.version,
                                       keepAlive: keepAlive, isHead: slot.isHead, requestID: slot.requestID)
            let micros = (SystemClock.monotonicNanoseconds() &- slot.startedNanos) / 1_000
            shard.metrics.record(route: slot.route, status: response.status.code, micros: micros)
            if !keepAlive {
                closing = true
                // Nothing after a closing response is answered.
                taken = slots.count
                break
            }
            dateBytes = shard.dateBytes()
        }
        // Usually the one slot there is was answered: removed without a range replacement.
        if taken == 1 && slots.count == 1 { slots.removeLast() } else { slots.removeFirst(taken) }
        firstSlotSequence += taken
    }

    private func flushOutput() {
        guard webSocket == nil else { return }
        if !output.isEmpty {
            tcp.write(output)
            output.removeAll(keepingCapacity: true)
        }
        if closing && slots.isEmpty {
            if lingerStartedAt == nil { lingerStartedAt = shard.loop.now }
            tcp.closeAfterWrites()
        } else {
            updateReading()
        }
    }

    // MARK: WebSocket

    /// Switches to WebSocket after the request in `sequence`, which must be
    /// the only one outstanding: writes `101` and hands the socket over.
    func upgrade(slot sequence: Int, accept: String, deflate: WebSocketDeflateParameters?,
                 limits: WebSocketConnection.Limits) -> WebSocketConnection? {
        guard sequence == firstSlotSequence, slots.count == 1, !tcp.isClosed, webSocket == nil else { return nil }
        if !output.isEmpty {
            tcp.write(output)
            output.removeAll()
        }
        let slot = slots.removeFirst()
        firstSlotSequence += 1
        closing = true
        let extensions = deflate.map { "Sec-WebSocket-Extensions: \($0.responseHeader)\r\n" } ?? ""
        tcp.write(Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\(extensions)\r\n".utf8))
        shard.metrics.record(route: slot.route, status: 101, micros: (SystemClock.monotonicNanoseconds() &- slot.startedNanos) / 1_000)
        let connection = WebSocketConnection(tcp: tcp, shard: shard, limits: limits, deflate: deflate, leftover: parser.takeRemainingBytes())
        webSocket = connection
        tcp.onRead = { [unowned(unsafe) connection] bytes in connection.didRead(bytes) }
        tcp.onReadEnd = { [unowned(unsafe) connection] _ in connection.peerEnded() }
        tcp.onDrained = { [unowned(unsafe) connection] in connection.drained() }
        if readingPaused {
            readingPaused = false
            tcp.startReading()
        }
        return connection
    }

    // MARK: Deadlines and shutdown

    /// Applies the connection's deadlines; called by the shard's sweep timer.
    func sweep(now: UInt64) {
        if let webSocket {
            webSocket.sweep(now: now)
            return
        }
        let config = shard.config
        if let lingerStartedAt {
            if now &- lingerStartedAt > config.lingerMilliseconds { tcp.close() }
            return
        }
        if !parser.isIdle {
            let since = parser.isReadingBody ? lastProgress : requestStartedAt
            if now &- since > config.headerTimeoutMilliseconds && !closing {
                shard.metrics.timeouts += 1
                respondAndClose(.error(APIError(.requestTimeout, code: "request_timeout",
                                                message: "The request did not arrive in time.")),
                                route: shard.metrics.timeoutRoute)
                flushOutput()
            }
        } else if slots.isEmpty && now &- lastProgress > config.idleTimeoutMilliseconds {
            tcp.close()
        } else if !slots.isEmpty && tcp.pendingWriteBytes > 0 && now &- lastProgress > config.idleTimeoutMilliseconds {
            // The client stopped reading its responses.
            tcp.close()
        }
    }

    /// Shutdown: idle connections close now; busy ones close after the
    /// responses they owe (which say `Connection: close`).
    func beginDrain() {
        if let webSocket {
            webSocket.beginDrain()
            return
        }
        if isIdle {
            tcp.close()
        } else {
            closing = true
            tcp.stopReading()
            readingPaused = true
        }
    }
}
