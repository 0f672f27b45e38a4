import CLibPQ
import Glibc
import Logging
import MarqueeLoop

/// A statement prepared once per connection and then run by name: the hot
/// queries skip parsing and planning on every call.
public struct PreparedStatement: Hashable, Sendable {
    public let name: String
    public let sql: String
    public init(_ name: String, _ sql: String) {
        self.name = name
        self.sql = sql
    }
}

/// One nonblocking PostgreSQL connection in pipeline mode, driven by a
/// shard's loop: many queries in flight, none of them blocking the thread.
/// Loop thread only.
///
/// Steps (libpq's pipeline test is the model): `connecting` polls
/// `PQconnectPoll` on whatever the socket wants; `ready` sends each query as
/// its own pipeline segment (`PQsendQueryParams` + `PQpipelineSync`), so a
/// failed query aborts nothing but itself, and reads results in order as
/// the socket turns readable. A lost connection fails every query in flight
/// with `connectionLost` and reconnects with exponential backoff; queries
/// asked while disconnected fail at once with `unavailable`.
public final class PostgresConnection {
    public enum State: Equatable, Sendable { case disconnected, connecting, ready, closed }
    public typealias Completion = (Result<QueryResult, PostgresError>) -> Void

    private enum Command {
        case query(sql: String, params: [String?])
        case prepare(PreparedStatement)
        case execute(name: String, params: [String?])
    }

    private struct InFlight {
        let completion: Completion?
        var result: QueryResult?
        var error: PostgresError?
        /// Results of the statement are over (NULL seen); its sync comes next.
        var awaitingSync = false
    }

    public let loop: EventLoop
    private let conninfo: String
    private var logger: Logger
    private var connection: OpaquePointer?
    private var watcher: PollWatcher?
    private var watchedEvents: PollWatcher.Events = []
    private var inFlight: [InFlight] = []
    private var inFlightHead = 0
    private var waitingForConnect: [(Command, Completion?)] = []
    private var prepared: Set<String> = []
    private var reconnectTimer: LoopTimer?
    private var backoffMilliseconds: UInt64 = 100
    public private(set) var state: State = .disconnected
    /// LISTEN notifications: channel and payload.
    public var onNotification: ((String, String) -> Void)?
    /// Called every time the connection becomes ready (first connect and reconnects).
    public var onReady: (() -> Void)?
    /// Queries queued or in flight past which a query fails at once, unsent.
    public let maxQueued: Int

    public init(loop: EventLoop, url: String, logger: Logger = Logger(label: "marquee.postgres"), maxQueued: Int = 10_000) {
        self.loop = loop
        self.maxQueued = maxQueued
        self.conninfo = url
        self.logger = logger
        self.logger[metadataKey: "shard"] = .stringConvertible(loop.index)
    }

    public var isReady: Bool { state == .ready }
    private var pendingCount: Int { inFlight.count - inFlightHead }

    // MARK: Queries

    /// Runs `sql` with text parameters `$1...`; `completion` runs on this loop.
    public func query(_ sql: String, _ params: [String?] = [], _ completion: @escaping Completion) {
        submit(.query(sql: sql, params: params), completion)
    }

    /// Runs a prepared statement, preparing it first on this connection if needed.
    public func query(_ statement: PreparedStatement, _ params: [String?] = [], _ completion: @escaping Completion) {
        submit(.execute(name: statement.name, params: params), completion, preparing: statement)
    }

    private func submit(_ command: Command, _ completion: Completion?, preparing statement: PreparedStatement? = nil) {
        loop.assertInLoop()
        switch state {
        case .ready:
            if pendingCount >= maxQueued {
                completion?(.failure(.tooManyQueued))
                return
            }
            if let statement, !prepared.contains(statement.name) {
                prepared.insert(statement.name)
                send(.prepare(statement), nil)
            }
            send(command, completion)
            flush()
        case .connecting:
            guard waitingForConnect.count < maxQueued else {
                completion?(.failure(.tooManyQueued))
                return
            }
            if let statement { waitingForConnect.append((.prepare(statement), nil)) }
            waitingForConnect.append((command, completion))
        case .disconnected:
            completion?(.failure(.unavailable("not connected (reconnecting)")))
        case .closed:
            completion?(.failure(.unavailable("connection closed")))
        }
    }

    private func send(_ command: Command, _ completion: Completion?) {
        guard let connection else { return }
        let sent: Int32
        switch command {
        case .query(let sql, let params):
            sent = withCStrings(params) { values in
                PQsendQueryParams(connection, sql, Int32(params.count), nil, values, nil, nil, 0)
            }
        case .prepare(let statement):
            sent = PQsendPrepare(connection, statement.name, statement.sql, 0, nil)
        case .execute(let name, let params):
            sent = withCStrings(params) { values in
                PQsendQueryPrepared(connection, name, Int32(params.count), values, nil, nil, 0)
            }
        }
        guard sent == 1, PQpipelineSync(connection) == 1 else {
            completion?(.failure(.connectionLost(errorMessage())))
            connectionFailed(errorMessage())
            return
        }
        inFlight.append(InFlight(completion: completion))
    }

    // MARK: Socket events

    private func flush() {
        guard let connection else { return }
        let result = PQflush(connection)
        if result < 0 {
            connectionFailed(errorMessage())
        } else {
            watch(result == 1 ? [.readable, .writable] : [.readable])
        }
    }

    private func watch(_ events: PollWatcher.Events) {
        guard let watcher, events != watchedEvents else { return }
        watchedEvents = events
        watcher.start(events) { [unowned self] ready, status in
            self.socketReady(ready, status: status)
        }
    }

    private func socketReady(_ events: PollWatcher.Events, status: Int32) {
        if state == .connecting {
            continueConnecting()
            return
        }
        guard let connection, state == .ready else { return }
        if status < 0 {
            connectionFailed("socket error \(status)")
            return
        }
        if events.contains(.writable) { flush() }
        if events.contains(.readable) {
            guard PQconsumeInput(connection) == 1 else {
                connectionFailed(errorMessage())
                return
            }
            readResults()
            deliverNotifications()
        }
    }

    private func readResults() {
        guard let connection else { return }
        while inFlightHead < inFlight.count && PQisBusy(connection) == 0 {
            let result = PQgetResult(connection)
            if result == nil {
                // End of the current statement's results; its sync follows.
                if !inFlight[inFlightHead].awaitingSync {
                    inFlight[inFlightHead].awaitingSync = true
                    completeHead()
                }
                continue
            }
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_PIPELINE_SYNC:
                popHead()
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                inFlight[inFlightHead].result = QueryResult(result!)
            case PGRES_PIPELINE_ABORTED:
                inFlight[inFlightHead].error = .aborted
            default:
                inFlight[inFlightHead].error = PostgresError.from(result!)
            }
        }
        if PQstatus(connection) == CONNECTION_BAD { connectionFailed(errorMessage()) }
    }

    private func completeHead() {
        let item = inFlight[inFlightHead]
        guard let completion = item.completion else { return }
        if let error = item.error {
            completion(.failure(error))
        } else {
            completion(.success(item.result ?? QueryResult(columns: [], rows: [])))
        }
    }

    private func popHead() {
        if !inFlight[inFlightHead].awaitingSync { completeHead() }
        inFlightHead += 1
        if inFlightHead == inFlight.count {
            inFlight.removeAll(keepingCapacity: true)
            inFlightHead = 0
        } else if inFlightHead > 1_024 {
            inFlight.removeFirst(inFlightHead)
            inFlightHead = 0
        }
    }

    private func deliverNotifications() {
        guard let connection else { return }
        while let notification = PQnotifies(connection) {
            let channel = String(cString: notification.pointee.relname)
            let payload = String(cString: notification.pointee.extra)
            PQfreemem(notification)
            onNotification?(channel, payload)
        }
    }

    // MARK: Connecting

    /// Starts connecting; afterwards the connection keeps itself connected.
    public func connect() {
        loop.assertInLoop()
        guard state == .disconnected else { return }
        state = .connecting
        guard let connection = PQconnectStart(conninfo), PQstatus(connection) != CONNECTION_BAD else {
            let message = "cannot start connecting"
            state = .disconnected
            failWaiting(.unavailable(message))
            scheduleReconnect(message)
            return
        }
        self.connection = connection
        PQsetnonblocking(connection, 1)
        attachWatcher()
        watch([.writable])
    }

    private func attachWatcher() {
        guard let connection else { return }
        let fd = PQsocket(connection)
        if let watcher, watcher.fd == fd { return }
        watcher?.close()
        watchedEvents = []
        watcher = try? PollWatcher(loop: loop, fd: fd)
    }

    private func continueConnecting() {
        guard let connection else { return }
        switch PQconnectPoll(connection) {
        case PGRES_POLLING_READING:
            attachWatcher()
            watch([.readable])
        case PGRES_POLLING_WRITING:
            attachWatcher()
            watch([.writable])
        case PGRES_POLLING_OK:
            guard PQenterPipelineMode(connection) == 1 else {
                connectionFailed("cannot enter pipeline mode")
                return
            }
            state = .ready
            backoffMilliseconds = 100
            prepared.removeAll()
            logger.info("database connected")
            // Timestamps leave the database in UTC whatever the server's zone.
            send(.query(sql: "SET TIME ZONE 'UTC'", params: []), nil)
            let waiting = waitingForConnect
            waitingForConnect.removeAll()
            for (command, completion) in waiting {
                if case .prepare(let statement) = command { prepared.insert(statement.name) }
                send(command, completion)
            }
            flush()
            onReady?()
        default:
            connectionFailed(errorMessage())
        }
    }

    private func connectionFailed(_ message: String) {
        guard state == .ready || state == .connecting else { return }
        let wasReady = state == .ready
        state = .disconnected
        if wasReady {
            logger.error("database connection lost", metadata: ["error": .string(message)])
        } else {
            logger.warning("database connection failed", metadata: ["error": .string(message)])
        }
        tearDown()
        let pending = inFlight[inFlightHead...].filter { !$0.awaitingSync }
        inFlight.removeAll()
        inFlightHead = 0
        for item in pending { item.completion?(.failure(.connectionLost(message))) }
        failWaiting(.unavailable(message))
        scheduleReconnect(message)
    }

    private func failWaiting(_ error: PostgresError) {
        let waiting = waitingForConnect
        waitingForConnect.removeAll()
        for (_, completion) in waiting { completion?(.failure(error)) }
    }

    private func scheduleReconnect(_ reason: String) {
        guard state != .closed else { return }
        let timer = reconnectTimer ?? LoopTimer(loop: loop)
        reconnectTimer = timer
        let delay = backoffMilliseconds
        backoffMilliseconds = min(backoffMilliseconds * 2, 5_000)
        timer.start(after: delay) { [unowned self] in self.connect() }
    }

    private func tearDown() {
        // The poll handle must stop before libpq closes the descriptor.
        watcher?.close()
        watcher = nil
        watchedEvents = []
        if let connection { PQfinish(connection) }
        connection = nil
    }

    /// Closes the connection for good; queries in flight fail. Loop thread.
    public func close() {
        guard state != .closed else { return }
        let pending = inFlight[inFlightHead...].filter { !$0.awaitingSync }
        inFlight.removeAll()
        inFlightHead = 0
        state = .closed
        tearDown()
        reconnectTimer?.close()
        reconnectTimer = nil
        for item in pending { item.completion?(.failure(.unavailable("connection closed"))) }
        failWaiting(.unavailable("connection closed"))
    }

    private func errorMessage() -> String {
        guard let connection, let message = PQerrorMessage(connection) else { return "no connection" }
        let text = trimmed(String(cString: message))
        return text.isEmpty ? "unknown error" : text
    }
}

/// Calls `body` with a C array of the parameters (NULL for nil).
func withCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeMutableBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body(strings.isEmpty ? nil : $0) }
    }
}

/// Without surrounding whitespace (libpq's messages end in a newline).
func trimmed(_ text: String) -> String {
    var characters = Substring(text)
    while let first = characters.first, first.isWhitespace { characters.removeFirst() }
    while let last = characters.last, last.isWhitespace { characters.removeLast() }
    return String(characters)
}
