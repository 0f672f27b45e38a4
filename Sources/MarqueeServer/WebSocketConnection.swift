import Foundation
import MarqueeCrypto
import MarqueeHTTP
import MarqueeLoop

/// A connection after `101 Switching Protocols`: RFC 6455 framing over the
/// same TCP connection and shard loop. Answers pings, runs the close
/// handshake, pings an idle peer and closes a dead one; with
/// permessage-deflate agreed, compresses the messages it sends and
/// decompresses the peer's. Loop thread only.
public final class WebSocketConnection {
    public struct Limits: Sendable {
        public var maxFrameBytes = 64 * 1024
        public var maxMessageBytes = 256 * 1024
        /// A ping goes out after this long without traffic from the peer;
        /// twice this without an answer closes the connection.
        public var pingIntervalMilliseconds: UInt64 = 20_000
        /// Output the kernel has not taken, pongs owed included, past which
        /// the peer is not reading: reading stops and the connection closes
        /// with 1008 (the same bound as HTTP's pause).
        public var maxUnsentBytes = 4 * 1024 * 1024
        public init() {}
    }

    let tcp: TCPConnection
    let shard: Shard
    /// permessage-deflate as agreed in the handshake, nil without it.
    public let deflate: WebSocketDeflateParameters?
    private var parser: WebSocketParser
    private let limits: Limits
    private var lastHeard: UInt64
    private var pingSent = false
    private var closeSent = false
    private var closeSentAt: UInt64?
    /// The latest ping's payload while output is queued: one pong per
    /// burst is owed (RFC 6455 5.5.3), sent when the queue drains.
    private var owedPong: [UInt8]?
    /// Pong bytes skipped since the queue last drained: counted in the
    /// output bound as if written, so a ping flood still meets the bound.
    private var skippedPongBytes = 0
    /// What the current read held: a read of pings and nothing else is
    /// not activity, or a client that never reads would live forever.
    private var readHadPing = false
    private var readHadOther = false
    public private(set) var isOpen = true

    public var onText: (([UInt8]) -> Void)?
    public var onBinary: (([UInt8]) -> Void)?
    /// Everything queued reached the kernel (backpressure relief).
    public var onDrained: (() -> Void)?
    /// Called once, when the connection is gone.
    public var onClose: (() -> Void)?

    init(tcp: TCPConnection, shard: Shard, limits: Limits, deflate: WebSocketDeflateParameters?, leftover: [UInt8]) {
        self.tcp = tcp
        self.shard = shard
        self.limits = limits
        self.deflate = deflate
        parser = WebSocketParser(maxFrameBytes: limits.maxFrameBytes, maxMessageBytes: limits.maxMessageBytes)
        if let deflate { parser.acceptCompression(noContextTakeover: deflate.clientNoContextTakeover) }
        lastHeard = shard.loop.now
        if !leftover.isEmpty { parser.append(leftover) }
    }

    public var loop: EventLoop { shard.loop }
    public var shardAccess: ShardAccess { ShardAccess(shard: shard) }
    /// Bytes written but not yet taken by the kernel.
    public var pendingWriteBytes: Int { tcp.pendingWriteBytes }

    /// Call once the callbacks are set: handles bytes that came with the
    /// upgrade request's read (a client may send frames right behind it).
    public func start() {
        processEvents()
    }

    func didRead(_ bytes: UnsafeRawBufferPointer) {
        readHadPing = false
        readHadOther = false
        parser.append(bytes)
        processEvents()
        if readHadOther || !readHadPing {
            lastHeard = shard.loop.now
            pingSent = false
        }
    }

    /// Answers a ping now when nothing is queued; otherwise owes one pong
    /// for the latest ping, and closes a peer past the output bound.
    private func answer(ping payload: [UInt8]) {
        if tcp.pendingWriteBytes == 0 && owedPong == nil {
            tcp.write(WebSocketEncoder.frame(.pong, payload))
            return
        }
        if let skipped = owedPong { skippedPongBytes += skipped.count + 2 }
        owedPong = payload
        if tcp.pendingWriteBytes + skippedPongBytes > limits.maxUnsentBytes {
            // The peer does not read: stop reading it and close at once;
            // the close frame is queued behind output it will not take.
            tcp.stopReading()
            sendClose(WebSocketCloseCode.policyViolation, "not reading")
            isOpen = false
            tcp.close()
        }
    }

    private func processEvents() {
        while isOpen, let event = parser.next() {
            switch event {
            case .text(let payload): readHadOther = true; onText?(payload)
            case .binary(let payload): readHadOther = true; onBinary?(payload)
            case .ping(let payload): readHadPing = true; answer(ping: payload)
            case .pong: readHadOther = true
            case .close(let code, _):
                readHadOther = true
                if !closeSent {
                    // Echo the peer's code (1000 when it gave none), then close.
                    sendClose(code ?? WebSocketCloseCode.normal, "")
                }
                finish()
            case .failure(let code, let reason):
                sendClose(code, reason)
                finish()
            }
        }
    }

    /// Sends a text message (compressed when agreed).
    public func send(text: String) {
        send(.text, Array(text.utf8))
    }

    /// Sends a whole message, compressed when agreed.
    public func send(_ opcode: WebSocketOpcode, _ payload: [UInt8]) {
        guard isOpen, !closeSent else { return }
        tcp.write(frame(opcode, payload))
    }

    /// The frame this connection sends for a message: compressed with the
    /// agreed window, or plain. For fan-out, connections agreeing the same
    /// `frameVariant` can share the bytes.
    public func frame(_ opcode: WebSocketOpcode, _ payload: [UInt8]) -> [UInt8] {
        guard let deflate else { return WebSocketEncoder.frame(opcode, payload) }
        return WebSocketEncoder.frame(opcode, shard.deflater(windowBits: deflate.serverMaxWindowBits).compress(payload), compressed: true)
    }

    /// Which frame bytes suit this connection: 0 plain, else the window bits
    /// its compressed messages use.
    public var frameVariant: Int { deflate?.serverMaxWindowBits ?? 0 }

    /// Sends frame bytes encoded once for many connections (fan-out); they
    /// must be `frame(_:_:)`'s for this connection's `frameVariant`.
    public func send(frame: [UInt8]) {
        guard isOpen, !closeSent else { return }
        tcp.write(frame)
    }

    /// Starts the close handshake; the TCP connection closes when the peer
    /// answers, or after a few seconds if it does not.
    public func close(code: UInt16 = WebSocketCloseCode.normal, reason: String = "") {
        guard isOpen, !closeSent else { return }
        sendClose(code, reason)
    }

    private func sendClose(_ code: UInt16, _ reason: String) {
        guard !closeSent else { return }
        closeSent = true
        closeSentAt = shard.loop.now
        tcp.write(WebSocketEncoder.close(code: code, reason: reason))
    }

    private func finish() {
        guard isOpen else { return }
        isOpen = false
        tcp.closeAfterWrites()
    }

    func peerEnded() {
        isOpen = false
        tcp.close()
    }

    func drained() {
        skippedPongBytes = 0
        if let pong = owedPong, isOpen, !closeSent {
            owedPong = nil
            tcp.write(WebSocketEncoder.frame(.pong, pong))
        }
        owedPong = nil
        onDrained?()
    }

    func closed() {
        isOpen = false
        let handler = onClose
        onClose = nil
        onText = nil
        onBinary = nil
        onDrained = nil
        handler?()
    }

    /// Keep-alive and dead-peer detection; from the shard's sweep.
    func sweep(now: UInt64) {
        if let closeSentAt, now &- closeSentAt > 5_000 {
            tcp.close()
            return
        }
        let quiet = now &- lastHeard
        if quiet > 2 * limits.pingIntervalMilliseconds {
            tcp.close()
        } else if quiet > limits.pingIntervalMilliseconds && !pingSent && !closeSent {
            pingSent = true
            tcp.write(WebSocketEncoder.frame(.ping, []))
        }
    }

    /// Shutdown: 1001 going away.
    func beginDrain() {
        close(code: WebSocketCloseCode.goingAway, reason: "server shutting down")
    }
}

/// The opening handshake (RFC 6455 4.2): what a valid upgrade request must
/// carry, and the `Sec-WebSocket-Accept` answer.
enum WebSocketHandshake {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// The accept value and the permessage-deflate agreed (nil when the
    /// client offered none this server accepts), or the error to answer instead.
    static func accept(_ head: HTTPRequestHead) -> Result<(String, WebSocketDeflateParameters?), APIError> {
        func has(_ name: String, token: String) -> Bool {
            (head.headers[name] ?? "").lowercased().split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == token }
        }
        guard head.method == .GET, head.version == .http1_1 else {
            return .failure(APIError(.badRequest, code: "invalid_websocket_handshake", message: "A WebSocket upgrade is a GET over HTTP/1.1."))
        }
        guard has("upgrade", token: "websocket"), has("connection", token: "upgrade") else {
            return .failure(APIError(HTTPStatus(code: 426), code: "upgrade_required",
                                     message: "This endpoint speaks WebSocket: send Upgrade: websocket and Connection: Upgrade.",
                                     headers: [HTTPResponse.Field(name: "Upgrade", value: "websocket")]))
        }
        guard head.headers["sec-websocket-version"] == "13" else {
            return .failure(APIError(HTTPStatus(code: 426), code: "unsupported_websocket_version", message: "Only WebSocket version 13 is spoken.",
                                     headers: [HTTPResponse.Field(name: "Sec-WebSocket-Version", value: "13")]))
        }
        guard let key = head.headers["sec-websocket-key"], let decoded = Data(base64Encoded: key), decoded.count == 16 else {
            return .failure(APIError(.badRequest, code: "invalid_websocket_handshake", message: "Sec-WebSocket-Key must be 16 bytes in base64."))
        }
        // Offers may come in several header lines: one list, in order (RFC 6455 9.1).
        let offers = head.headers.values("sec-websocket-extensions")
        let deflate = offers.isEmpty ? nil : WebSocketDeflateParameters.negotiate(offers.joined(separator: ", "))
        return .success((Data(Crypto.sha1(Array((key + guid).utf8))).base64EncodedString(), deflate))
    }
}
