import Glibc

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
/// until it returns nil (needs more bytes). Bytes are kept in one buffer
/// per connection that is compacted once consumed, so a keep-alive
/// connection reuses the same storage. The head is parsed in one pass once
/// its terminating blank line is there; the search for that line resumes
/// where it stopped, so a head trickling in byte by byte costs linear time.
public struct HTTPParser: Sendable {
    enum State: Sendable, Equatable {
        case head
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytesSeen: Int)
        case failed
    }

    public let limits: HTTPLimits
    var state: State = .head
    var buffer: [UInt8] = []
    var readIndex = 0
    /// Where the search for the end of the head resumes.
    var headScanFrom = 0
    var pendingHead: HTTPRequestHead?
    var pendingBody: [UInt8] = []

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// Bytes received but not yet consumed by a request.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// True between requests with nothing buffered: the connection is idle.
    public var isIdle: Bool { state == .head && bufferedByteCount == 0 }

    /// True once a request head has been parsed and its body is awaited.
    public var isReadingBody: Bool { pendingHead != nil }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard state != .failed else { return }
        if readIndex > 0 && readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
            headScanFrom = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Bytes buffered past the last request (a protocol switch's first bytes).
    public mutating func takeRemainingBytes() -> [UInt8] {
        let rest = Array(buffer[readIndex...])
        buffer.removeAll()
        readIndex = 0
        return rest
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
                let taken = takeBody(upTo: remaining)
                if taken < remaining {
                    state = .body(remaining: remaining - taken)
                    return nil
                }
                return finishRequest()
            case .chunkSize:
                switch parseChunkSizeLine() {
                case .needMore: return nil
                case .failure(let error): return fail(error)
                case .parsed: continue
                }
            case .chunkData(let remaining):
                let taken = takeBody(upTo: remaining)
                if taken < remaining {
                    state = .chunkData(remaining: remaining - taken)
                    return nil
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                guard bufferedByteCount >= 2 else { return nil }
                guard buffer[readIndex] == 13 && buffer[readIndex + 1] == 10 else {
                    return fail(.malformed("chunk data not followed by CRLF"))
                }
                readIndex += 2
                state = .chunkSize
            case .trailers(let bytesSeen):
                switch parseTrailerLine(bytesSeen: bytesSeen) {
                case .needMore: return nil
                case .failure(let error): return fail(error)
                case .parsed:
                    if state == .head { return finishRequest() }
                }
            }
        }
    }

    /// Moves up to `count` buffered bytes into the pending body.
    mutating func takeBody(upTo count: Int) -> Int {
        let taken = min(count, bufferedByteCount)
        if taken > 0 {
            pendingBody.append(contentsOf: buffer[readIndex..<(readIndex + taken)])
            readIndex += taken
        }
        return taken
    }

    mutating func finishRequest() -> HTTPParserEvent {
        let head = pendingHead!
        let body = pendingBody
        pendingHead = nil
        pendingBody = []
        state = .head
        headScanFrom = readIndex
        return .request(HTTPRequest(head: head, body: body))
    }

    mutating func fail(_ error: HTTPParseError) -> HTTPParserEvent {
        state = .failed
        buffer = []
        readIndex = 0
        pendingHead = nil
        pendingBody = []
        return .failure(error)
    }

    /// Index of the first CRLF at or after `from`, or nil.
    func findCRLF(from: Int) -> Int? {
        var index = from
        let end = buffer.count - 1
        while index < end {
            if buffer[index] == 13 && buffer[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }

    /// Index of the blank line ending the head (`\r\n\r\n`), or nil.
    func findHeadEnd(from: Int) -> Int? {
        // memchr (vectorised in glibc) from LF to LF, then a look around
        // each: cheaper than memmem's general search for a typical head,
        // whose first LF is near the blank line's.
        buffer.withUnsafeBufferPointer { bytes -> Int? in
            guard let base = bytes.baseAddress else { return nil }
            var at = max(from, 0)
            while at < bytes.count, let hit = memchr(base + at, 10, bytes.count - at) {
                let lineFeed = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if lineFeed > max(from, 0) && bytes[lineFeed - 1] == 13 && bytes.count - lineFeed >= 3
                    && bytes[lineFeed + 1] == 13 && bytes[lineFeed + 2] == 10 {
                    return lineFeed - 1
                }
                at = lineFeed + 1
            }
            return nil
        }
    }
}
