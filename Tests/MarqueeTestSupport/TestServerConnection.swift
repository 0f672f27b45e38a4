import MarqueeCrypto
import MarqueeHTTP
import MarqueeLoop

/// One connection of `TestHTTPServer`: TLS (or not), the request parser,
/// and the answers its paths describe, one request at a time. Loop thread.
final class TestServerConnection {
    unowned let server: TestHTTPServer
    let tcp: TCPConnection
    let tls: TLSSession?
    private var parser = HTTPParser()
    private var plaintext: [UInt8] = []
    private var requestNumber = 0
    private var delay: LoopTimer?
    private var isClosed = false
    /// A request is being answered (a slow answer waits on its timer).
    private(set) var isBusy = false

    init(server: TestHTTPServer, tcp: TCPConnection, tls: TLSSession?) {
        self.server = server
        self.tcp = tcp
        self.tls = tls
    }

    func start() {
        tcp.onRead = { bytes in self.received(bytes) }
        tcp.onReadEnd = { _ in self.abort() }
        tcp.onClose = { self.server.closed(self) }
        tcp.startReading()
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        guard !isClosed else { return }
        guard let tls else {
            parser.append(bytes)
            return serveRequests()
        }
        tls.receive(bytes)
        if !tls.isHandshakeDone {
            stepHandshake(tls)
            guard tls.isHandshakeDone else { return }
        }
        plaintext.removeAll(keepingCapacity: true)
        let status = tls.read(into: &plaintext)
        flush()
        parser.append(plaintext)
        serveRequests()
        switch status {
        case .wantRead:
            break
        case .closed:
            server.closeNotifies.add(1, ordering: .sequentiallyConsistent)
            closeGracefully()
        case .failed:
            abort()
        }
    }

    private func stepHandshake(_ tls: TLSSession) {
        while true {
            switch tls.handshake() {
            case .wantWrite:
                flush()
            case .wantRead:
                return
            case .done:
                server.handshakes.add(1, ordering: .sequentiallyConsistent)
                if tls.isResumed { server.resumed.add(1, ordering: .sequentiallyConsistent) }
                return
            case .failed:
                server.handshakeFailed.add(1, ordering: .sequentiallyConsistent)
                return abort()
            }
        }
    }

    private func serveRequests() {
        while !isBusy, !isClosed, let event = parser.next() {
            switch event {
            case .request(let request):
                requestNumber += 1
                server.requestCount.add(1, ordering: .sequentiallyConsistent)
                answer(request)
            case .continueExpected:
                continue
            case .failure:
                return abort()
            }
        }
    }

    private func answer(_ request: HTTPRequest) {
        let query = request.head.query.map(String.init) ?? ""
        let number = Int(query.split(separator: "=").last ?? "") ?? 0
        switch request.head.path {
        case "/echo":
            var headers = [("x-method", request.head.method.rawValue), ("x-request-number", "\(requestNumber)")]
            for field in request.head.headers { headers.append(("x-request-\(field.name)", field.value)) }
            send(status: "200 OK", headers: headers, body: request.body)
        case "/chunked":
            var bytes = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            for piece in ["hello, ", "chunked ", "world"] {
                bytes += Array((String(piece.utf8.count, radix: 16) + "\r\n" + piece + "\r\n").utf8)
            }
            bytes += Array("0\r\n\r\n".utf8)
            write(bytes)
        case "/bytes":
            send(status: "200 OK", body: [UInt8](repeating: UInt8(ascii: "a"), count: number))
        case "/slow":
            isBusy = true
            let timer = LoopTimer(loop: server.loop)
            delay = timer
            timer.start(after: UInt64(number)) { [self] in
                timer.close()
                delay = nil
                isBusy = false
                send(status: "200 OK", body: Array("slow".utf8))
                serveRequests()
            }
        case "/close":
            send(status: "200 OK", headers: [("Connection", "close")], body: Array("bye".utf8))
            closeGracefully()
        case "/drop":
            write(Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789".utf8))
            abort()
        case "/hang-up":
            abort()
        case "/hang-up-on-reuse":
            if requestNumber > 1 { return abort() }
            send(status: "200 OK", body: Array("fresh".utf8))
        default:
            send(status: "404 Not Found", body: Array("no such path".utf8))
        }
    }

    private func send(status: String, headers: [(String, String)] = [], body: [UInt8]) {
        var head = "HTTP/1.1 \(status)\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        write(Array((head + "\r\n").utf8) + body)
    }

    private func write(_ bytes: [UInt8]) {
        guard !isClosed else { return }
        guard let tls else { return tcp.write(bytes) }
        do { try tls.write(bytes) } catch { return abort() }
        flush()
    }

    private func flush() {
        if let tls, tls.hasCiphertextToSend { tcp.write(tls.takeCiphertext()) }
    }

    /// close_notify, then FIN once written; the socket closes when the
    /// client closes its side.
    func closeGracefully() {
        guard !isClosed else { return }
        isClosed = true
        if let tls {
            _ = tls.shutdown()
            flush()
        }
        delay?.close()
        tcp.closeAfterWrites()
    }

    /// Closes at once, without close_notify.
    func abort() {
        isClosed = true
        delay?.close()
        delay = nil
        tcp.close()
    }
}
