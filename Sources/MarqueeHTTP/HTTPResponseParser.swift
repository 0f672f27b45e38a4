/// What the response parser has after the bytes fed so far.
public enum HTTPResponseParserEvent: Sendable {
    /// A whole response to the oldest outstanding request; more may follow
    /// in the same bytes (pipelining).
    case response(HTTPReceivedResponse)
    /// An interim 1xx response (100 Continue...), reported only when the
    /// parser was made with `reportingInformational`; the final response
    /// to the same request follows.
    case informational(HTTPResponseHead)
    /// The bytes can never become a usable response; the parser yields
    /// nothing more.
    case failure(HTTPResponseParseError)
}

/// An incremental HTTP/1.1 response parser for a client connection: a
/// state machine over the bytes received, with no I/O of its own. It is
/// the request parser's counterpart and shares its input buffer, field
/// lines and chunked decoding.
///
/// A response's framing depends on the request it answers (no body after
/// HEAD), so the connection calls `expectResponse(to:)` for each request
/// it sends, in order; responses are matched to them first in, first out.
/// It appends whatever a read delivered and calls `next()` until nil; when
/// the server closes, it calls `endOfInput()` and drains `next()` again: a
/// body without a length ends there, and a response cut short fails.
public struct HTTPResponseParser: Sendable {
    enum State: Sendable, Equatable {
        case head
        case body(remaining: Int)
        case chunked
        /// No length and not chunked: the body runs until the input ends.
        case untilClose
        /// After 101 Switching Protocols the bytes are no longer HTTP.
        case switched
        case failed
    }

    public let limits: HTTPLimits
    /// Whether interim 1xx responses are reported or skipped.
    public let reportsInformational: Bool
    var state: State = .head
    var input = HTTPInputBuffer()
    var chunks = HTTPChunkedDecoder(keepingTrailers: true)
    /// Methods of the requests sent and not yet answered, oldest first.
    var requestMethods: [HTTPMethod] = []
    var inputEnded = false
    var pendingHead: HTTPResponseHead?
    var pendingBody: [UInt8] = []

    public init(limits: HTTPLimits = HTTPLimits(), reportingInformational: Bool = false) {
        self.limits = limits
        self.reportsInformational = reportingInformational
    }

    /// Notes a request sent on the connection; its response comes after
    /// those of the requests noted before it.
    public mutating func expectResponse(to method: HTTPMethod) {
        requestMethods.append(method)
    }

    /// Requests sent whose final response has not been returned yet (after
    /// a failure: those that will get none on this connection).
    public var outstandingRequests: Int { requestMethods.count }

    /// Bytes received but not yet consumed by a response.
    public var bufferedByteCount: Int { input.count }

    /// True with no request outstanding and nothing buffered: the
    /// connection may be reused.
    public var isIdle: Bool { state == .head && requestMethods.isEmpty && input.count == 0 }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard state != .failed, !inputEnded else { return }
        input.append(bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The server closed its side: no more bytes will come.
    public mutating func endOfInput() {
        inputEnded = true
    }

    /// Bytes buffered past a 101 response (the new protocol's first bytes).
    public mutating func takeRemainingBytes() -> [UInt8] {
        input.takeRemaining()
    }

    public mutating func next() -> HTTPResponseParserEvent? {
        while true {
            switch state {
            case .failed, .switched:
                return nil
            case .head:
                if input.count == 0 {
                    if inputEnded && !requestMethods.isEmpty { return fail(.closedBeforeResponse) }
                    return nil
                }
                guard let method = requestMethods.first else { return fail(.unexpectedResponse) }
                switch parseHeadIfComplete(method: method) {
                case .needMore: return inputEnded ? fail(.truncated) : nil
                case .proceed: continue
                case .emit(let event): return event
                }
            case .body(let remaining):
                let taken = input.move(upTo: remaining, into: &pendingBody)
                if taken < remaining {
                    state = .body(remaining: remaining - taken)
                    return inputEnded ? fail(.truncated) : nil
                }
                return finishResponse()
            case .chunked:
                switch chunks.decode(&input, into: &pendingBody, limits: limits) {
                case .needMore: return inputEnded ? fail(.truncated) : nil
                case .failure(let error): return fail(HTTPResponseParseError(error))
                case .done: return finishResponse(trailers: chunks.trailers ?? HTTPHeaders())
                }
            case .untilClose:
                if pendingBody.count + input.count > limits.maxBodyBytes { return fail(.bodyTooLarge) }
                _ = input.move(upTo: input.count, into: &pendingBody)
                return inputEnded ? finishResponse() : nil
            }
        }
    }

    /// Returns the response awaited and makes ready for the next one.
    mutating func finishResponse(trailers: HTTPHeaders = HTTPHeaders()) -> HTTPResponseParserEvent {
        let response = HTTPReceivedResponse(head: pendingHead!, body: pendingBody, trailers: trailers)
        requestMethods.removeFirst()
        pendingHead = nil
        pendingBody = []
        if state != .switched { state = .head }
        input.headScanFrom = input.readIndex
        return .response(response)
    }

    mutating func fail(_ error: HTTPResponseParseError) -> HTTPResponseParserEvent {
        state = .failed
        input = HTTPInputBuffer()
        pendingHead = nil
        pendingBody = []
        return .failure(error)
    }
}
