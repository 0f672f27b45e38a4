import Dispatch
import Foundation
import MarqueeCrypto
import MarqueeHTTP
import MarqueeLoop
import Synchronization

/// An HTTP/1.1 server for client tests, over TLS (a `TLSServerContext`) or
/// plain TCP, on 127.0.0.1 and a free port, with its own loop on its own
/// thread. What it answers depends on the path:
///
/// - `/echo`: 200 with the request's body; each request field comes back
///   as `x-request-<name>`, with `x-method` and `x-request-number` (the
///   request's position on its connection, from 1).
/// - `/chunked`: a chunked body, "hello, chunked world", in three chunks.
/// - `/bytes?n=N`: a body of N bytes.
/// - `/slow?ms=N`: "slow" after N milliseconds.
/// - `/close`: "bye" with `Connection: close`, then closes (close_notify, FIN).
/// - `/drop`: a head announcing 100 bytes and 10 of them, then a hang-up
///   without close_notify.
/// - `/hang-up`: closes without a byte of response.
/// - `/hang-up-on-reuse`: the same on a connection's second or later
///   request; 200 "fresh" on a connection's first.
/// - anything else: 404.
///
/// Counters are readable from any thread; the rest runs on the server's loop.
public final class TestHTTPServer: @unchecked Sendable {
    public let port: Int
    let loop: EventLoop
    let tls: TLSServerContext?
    private var thread: LoopThread?
    private var listener: TCPListener?
    var connections: [ObjectIdentifier: TestServerConnection] = [:]
    private var stopped = false

    let accepted = Atomic<Int>(0)
    let handshakes = Atomic<Int>(0)
    let resumed = Atomic<Int>(0)
    let handshakeFailed = Atomic<Int>(0)
    let requestCount = Atomic<Int>(0)
    let openCount = Atomic<Int>(0)
    let maxOpen = Atomic<Int>(0)
    let closeNotifies = Atomic<Int>(0)

    /// TCP connections accepted.
    public var connectionsAccepted: Int { accepted.load(ordering: .sequentiallyConsistent) }
    /// TLS handshakes completed, and how many of them resumed a session.
    public var handshakesCompleted: Int { handshakes.load(ordering: .sequentiallyConsistent) }
    public var handshakesResumed: Int { resumed.load(ordering: .sequentiallyConsistent) }
    /// Handshakes that failed (a client refusing the certificate, say).
    public var handshakeFailures: Int { handshakeFailed.load(ordering: .sequentiallyConsistent) }
    public var requestsReceived: Int { requestCount.load(ordering: .sequentiallyConsistent) }
    public var openConnections: Int { openCount.load(ordering: .sequentiallyConsistent) }
    /// The most connections open at once since the start.
    public var maxOpenConnections: Int { maxOpen.load(ordering: .sequentiallyConsistent) }
    /// TLS close_notify alerts received from clients.
    public var closeNotifiesReceived: Int { closeNotifies.load(ordering: .sequentiallyConsistent) }

    /// `tls` nil: plain HTTP.
    public init(tls: TLSServerContext?) throws {
        self.tls = tls
        let loop = try EventLoop(index: 0)
        self.loop = loop
        var connectionHandler: ((TCPConnection) -> Void)?
        let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { connectionHandler?($0) }
        port = listener.port
        self.listener = listener
        connectionHandler = { [unowned self] tcp in accept(tcp) }
        // Set up before the loop's thread starts: from here, loop thread only.
        thread = LoopThread(name: "test-http-server") { loop.run() }
    }

    /// A server with the test certificates: `pair` picks the certificate
    /// (`\.localhost` unless told), and the versions offered.
    public convenience init(certificate pair: KeyPath<TestCertificates, TestCertificates.Pair> = \.localhost,
                            minimumVersion: TLSVersion = .tls1_2, maximumVersion: TLSVersion = .tls1_3) throws {
        let certificates = try TestCertificates.shared.get()
        let chosen = certificates[keyPath: pair]
        try self.init(tls: try TLSServerContext(certificateChainFile: chosen.certificate, privateKeyFile: chosen.key,
                                               minimumVersion: minimumVersion, maximumVersion: maximumVersion))
    }

    public var baseURL: String { "\(tls == nil ? "http" : "https")://localhost:\(port)" }

    /// Runs `body` on the server's loop and waits for it.
    public func sync<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<T?>(nil)
        loop.execute {
            result.withLock { $0 = body() }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }

    /// Closes every connection with no request in progress, the way a
    /// server ends idle keep-alive connections (close_notify, then FIN).
    public func closeIdleConnections() {
        sync { [self] in
            for connection in connections.values where !connection.isBusy { connection.closeGracefully() }
        }
    }

    /// Closes everything and ends the loop's thread. Idempotent.
    public func stop() {
        let wasRunning = sync { [self] () -> Bool in
            guard !stopped else { return false }
            stopped = true
            listener?.close()
            listener = nil
            for connection in connections.values { connection.abort() }
            loop.allowExit()
            return true
        }
        guard wasRunning else { return }
        thread?.join()
        loop.close()
    }

    deinit { if !stopped { stop() } }

    private func accept(_ tcp: TCPConnection) {
        accepted.add(1, ordering: .sequentiallyConsistent)
        let open = openCount.add(1, ordering: .sequentiallyConsistent).newValue
        while case let seen = maxOpen.load(ordering: .sequentiallyConsistent), open > seen {
            if maxOpen.compareExchange(expected: seen, desired: open, ordering: .sequentiallyConsistent).exchanged { break }
        }
        let session: TLSSession?
        do { session = try tls?.makeSession() } catch {
            tcp.close()
            return
        }
        let connection = TestServerConnection(server: self, tcp: tcp, tls: session)
        connections[ObjectIdentifier(connection)] = connection
        connection.start()
    }

    func closed(_ connection: TestServerConnection) {
        guard connections.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return }
        openCount.subtract(1, ordering: .sequentiallyConsistent)
    }
}
