/// What the parser has for the connection after the bytes fed so far.
public enum HTTPParserEvent: Sendable {
    /// A whole request; more may follow in the same bytes (pipelining).
    case request(HTTPRequest)
    /// The head asked `Expect: 100-continue` and its body has not arrived:
    /// the connection writes `100 Continue` and keeps feeding.
    case continueExpected
    /// The bytes can never become a valid request. The connection answers
    /// with the error's status and closes; the parser yields nothing more.
    case failure(HTTPParseError)
}

/// An incremental HTTP/1.1 request parser: a state machine over the bytes a
/// connection receives, with no I/O of its own.
///
/// The connection appends whatever a read delivered, then calls `next()`
/// until it returns nil (needs more bytes). Bytes wait in an
/// `HTTPInputBuffer`; the head is parsed in one pass once its terminating
/// blank line is there.
public struct HTTPParser: Sendable {
    enum State: Sendable, Equatable {
        case head
        case body(remaining: Int)
        case chunked
        case failed
    }

    public let limits: HTTPLimits
    var state: State = .head
    var input = HTTPInputBuffer()
    var chunks = HTTPChunkedDecoder()
    var pendingHead: HTTPRequestHead?
    var pendingBody: [UInt8] = []

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// Bytes received but not yet consumed by a request.
    public var bufferedByteCount: Int { input.count }

    /// True between requests with nothing buffered: the connection is idle.
    public var isIdle: Bool { state == .head && bufferedByteCount == 0 }

    /// True once a request head has been parsed and its body is awaited.
    public var isReadingBody: Bool { pendingHead != nil }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard state != .failed else { return }
        input.append(bytes)
    }

    /// Bytes buffered past the last request (a protocol switch's first bytes).
    public mutating func takeRemainingBytes() -> [UInt8] {
        input.takeRemaining()
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    public mutating func next() -> HTTPParserEvent? {
        while true {
            switch state {
            case .failed:
                return nil
            case .head:
                switch parseHeadIfComplete() {
                case .needMore: return nil
                case .proceed: continue
                case .emit(let event): return event
                }
            case .body(let remaining):
                let taken = input.move(upTo: remaining, into: &pendingBody)
                if taken < remaining {
                    state = .body(remaining: remaining - taken)
                    return nil
                }
                return finishRequest()
            case .chunked:
                switch chunks.decode(&input, into: &pendingBody, limits: limits) {
                case .needMore: return nil
                case .failure(let error): return fail(error)
                case .done: return finishRequest()
                }
            }
        }
    }

    mutating func finishRequest() -> HTTPParserEvent {
        let head = pendingHead!
        let body = pendingBody
        pendingHead = nil
        pendingBody = []
        state = .head
        input.headScanFrom = input.readIndex
        return .request(HTTPRequest(head: head, body: body))
    }

    mutating func fail(_ error: HTTPParseError) -> HTTPParserEvent {
        state = .failed
        input = HTTPInputBuffer()
        pendingHead = nil
        pendingBody = []
        return .failure(error)
    }
}
