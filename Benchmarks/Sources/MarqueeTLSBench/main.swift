import Foundation
import Glibc
import Synchronization
import MarqueeCrypto
import MarqueeHTTPClient
import MarqueeLoop

/// TLS handshakes per second through the product's HTTP client: an
/// `HTTPClient` with connection reuse off (one connection, one handshake,
/// one request each) keeps `--concurrency` requests in flight against a
/// TLS server on another loop thread of this process, over loopback.
/// Twice: full handshakes (no session resumption), then resumed ones.
/// Reports handshakes per second and the server thread's CPU time per
/// handshake. A throwaway CA and an EC P-256 certificate for localhost
/// are made with the `openssl` command first.
///
///   marquee-tls-bench [--duration SECONDS] [--concurrency N] [--out FILE]
let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: Double) -> Double {
    arguments.firstIndex(of: name).flatMap { Double(arguments[$0 + 1]) } ?? fallback
}
let duration = option("--duration", 5)
let concurrency = Int(option("--concurrency", 8))

let certificates = try makeCertificates()
let server = try HandshakeServer(certificate: certificates.certificate, key: certificates.key)
var results: [String: [String: Double]] = [:]
for resumes in [false, true] {
    let name = resumes ? "tls_resumed" : "tls_full"
    let outcome = try measure(port: server.port, caFile: certificates.ca, resumes: resumes)
    results[name] = outcome
    print(String(format: "%-12@ %8.0f handshakes/s  server CPU %6.0f us/handshake  (%.0f requests, %.0f failed, %.0f resumed)",
                 name as NSString, outcome["handshakes_per_second"]!, outcome["server_cpu_us_per_handshake"]!,
                 outcome["requests"]!, outcome["failures"]!, outcome["resumed"]!))
}
server.stop()
if let index = arguments.firstIndex(of: "--out") {
    let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: URL(fileURLWithPath: arguments[index + 1]))
}
// A failed request, no handshake at all, or no resumption where asked is
// a broken client or server, not a slow one.
if results.values.contains(where: { $0["failures"]! > 0 || $0["handshakes_per_second"]! == 0 })
    || results["tls_resumed"]!["resumed"]! == 0 {
    print("tls-bench: requests failed, or no handshake (or no resumption) was measured")
    exit(1)
}

/// One run: requests kept in flight for `duration` seconds, counted after
/// a warm-up of a tenth of it.
func measure(port: Int, caFile: String, resumes: Bool) throws -> [String: Double] {
    var configuration = HTTPClientConfiguration()
    configuration.reuseConnections = false
    configuration.resumesTLSSessions = resumes
    configuration.caFile = caFile
    configuration.maxConnectionsPerHost = concurrency
    let loop = try EventLoop(index: 1)
    let client = try HTTPClient(loop: loop, configuration: configuration)
    let run = ClientRun(client: client, url: "https://localhost:\(port)/", concurrency: concurrency)
    let thread = LoopThread(name: "tls-bench-client") { loop.run() }
    let warmUp = duration / 10
    loop.execute { run.start() }
    pause(seconds: warmUp)
    let serverCPUBefore = server.cpuNanoseconds()
    let before = run.snapshot()
    let start = SystemClock.monotonicNanoseconds()
    pause(seconds: duration)
    let after = run.snapshot()
    let elapsed = Double(SystemClock.monotonicNanoseconds() - start) / 1e9
    let serverCPU = Double(server.cpuNanoseconds() - serverCPUBefore)
    loop.execute { run.stop { loop.allowExit() } }
    thread.join()
    loop.close()
    let handshakes = Double(after.handshakes - before.handshakes)
    return [
        "handshakes_per_second": handshakes / elapsed,
        "server_cpu_us_per_handshake": handshakes > 0 ? serverCPU / handshakes / 1_000 : 0,
        "requests": Double(after.completed - before.completed),
        "failures": Double(after.failed - before.failed),
        "resumed": Double(after.resumed - before.resumed),
        "concurrency": Double(concurrency),
        "seconds": elapsed,
    ]
}

func pause(seconds: Double) {
    var interval = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    nanosleep(&interval, nil)
}

/// Keeps `concurrency` requests in flight on the client's loop.
final class ClientRun: @unchecked Sendable {
    struct Counts: Sendable { var completed = 0, failed = 0, handshakes = 0, resumed = 0 }
    let client: HTTPClient
    let url: String
    let concurrency: Int
    private var stopping = false
    private let lock = NSLock()
    private var counts = Counts()

    init(client: HTTPClient, url: String, concurrency: Int) {
        self.client = client
        self.url = url
        self.concurrency = concurrency
    }

    func start() { for _ in 0..<concurrency { next() } }

    private func next() {
        guard !stopping else { return }
        client.execute(HTTPClientRequest(method: .GET, url: url)) { [self] result in
            let statistics = client.statistics
            lock.withLock {
                if case .success(let response) = result, response.status == 200 { counts.completed += 1 } else { counts.failed += 1 }
                counts.handshakes = statistics.tlsHandshakes
                counts.resumed = statistics.resumedTLSHandshakes
            }
            next()
        }
    }

    func snapshot() -> Counts { lock.withLock { counts } }

    func stop(_ done: @escaping () -> Void) {
        stopping = true
        client.shutdown(done)
    }
}

/// A TLS server that answers each connection's request with "ok" and
/// `Connection: close`, on a loop thread of its own.
final class HandshakeServer: @unchecked Sendable {
    let port: Int
    private let loop: EventLoop
    private var listener: TCPListener?
    private var thread: LoopThread?
    private var threadCPU = clockid_t()

    init(certificate: String, key: String) throws {
        let context = try TLSServerContext(certificateChainFile: certificate, privateKeyFile: key)
        loop = try EventLoop(index: 0)
        let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { tcp in
            guard let session = try? context.makeSession() else { return tcp.close() }
            ServerConnection(tcp: tcp, tls: session).start()
        }
        port = listener.port
        self.listener = listener
        let loop = self.loop
        thread = LoopThread(name: "tls-bench-server") { loop.run() }
        // The server thread's CPU clock, for CPU per handshake.
        let clock = Mutex<clockid_t>(0)
        let ready = DispatchSemaphore(value: 0)
        loop.execute {
            var id = clockid_t()
            pthread_getcpuclockid(pthread_self(), &id)
            clock.withLock { $0 = id }
            ready.signal()
        }
        ready.wait()
        threadCPU = clock.withLock { $0 }
    }

    func cpuNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(threadCPU, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    func stop() {
        let done = DispatchSemaphore(value: 0)
        loop.execute { [self] in
            listener?.close()
            listener = nil
            loop.allowExit()
            done.signal()
        }
        done.wait()
        thread?.join()
        loop.close()
    }
}

/// Handshake, one request (read to its blank line), one answer, close_notify.
final class ServerConnection {
    let tcp: TCPConnection
    let tls: TLSSession
    private var plaintext: [UInt8] = []
    private var answered = false

    init(tcp: TCPConnection, tls: TLSSession) {
        self.tcp = tcp
        self.tls = tls
    }

    func start() {
        tcp.onRead = { bytes in self.received(bytes) }
        tcp.onReadEnd = { _ in self.tcp.close() }
        tcp.startReading()
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        tls.receive(bytes)
        if !tls.isHandshakeDone {
            while true {
                switch tls.handshake() {
                case .wantWrite: tcp.write(tls.takeCiphertext())
                case .wantRead: return
                case .done: break
                case .failed: return tcp.close()
                }
                if tls.isHandshakeDone { break }
            }
        }
        let status = tls.read(into: &plaintext)
        if !answered, plaintext.count >= 4, plaintext.suffix(4).elementsEqual([13, 10, 13, 10]) {
            answered = true
            try? tls.write(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".utf8))
            _ = tls.shutdown()
        }
        if tls.hasCiphertextToSend { tcp.write(tls.takeCiphertext()) }
        if answered { tcp.closeAfterWrites() }
        if case .failed = status { tcp.close() }
    }
}

/// A throwaway CA and a localhost certificate it signed, in a temporary folder.
func makeCertificates() throws -> (ca: String, certificate: String, key: String) {
    let directory = NSTemporaryDirectory() + "marquee-tls-bench-\(getpid())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    try openssl(["req", "-x509", "-new"] + curve + ["-keyout", "\(directory)/ca.key", "-out", "\(directory)/ca.pem",
                 "-days", "2", "-subj", "/CN=Marquee Bench CA", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign"])
    try openssl(["req", "-new"] + curve + ["-keyout", "\(directory)/server.key", "-out", "\(directory)/server.csr",
                 "-subj", "/CN=localhost"])
    try "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n"
        .write(toFile: "\(directory)/server.ext", atomically: true, encoding: .utf8)
    try openssl(["x509", "-req", "-in", "\(directory)/server.csr", "-CA", "\(directory)/ca.pem",
                 "-CAkey", "\(directory)/ca.key", "-CAcreateserial", "-days", "2", "-out", "\(directory)/server.pem",
                 "-extfile", "\(directory)/server.ext"])
    return ("\(directory)/ca.pem", "\(directory)/server.pem", "\(directory)/server.key")
}

func openssl(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl"] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw NSError(domain: "openssl \(arguments.prefix(2).joined(separator: " ")) failed", code: Int(process.terminationStatus))
    }
}
