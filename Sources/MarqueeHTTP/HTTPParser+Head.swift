/// The request line (RFC 9112 section 3), the field lines (shared with
/// the response parser), and the framing decision that follows from them
/// (section 6).
extension HTTPParser {
    enum HeadStep {
        case needMore
        case proceed
        case emit(HTTPParserEvent)
    }

    mutating func parseHeadIfComplete() -> HeadStep {
        // RFC 9112 2.2: ignore empty lines before the request line.
        while input.count >= 2 && input.bytes[input.readIndex] == 13 && input.bytes[input.readIndex + 1] == 10 {
            input.readIndex += 2
        }
        let headEnd: Int
        switch input.scanForHead(maxHeadBytes: limits.maxHeadBytes) {
        case .needMore: return .needMore
        case .tooLarge: return .emit(fail(.headTooLarge))
        case .found(let end): headEnd = end
        }
        let parsed = input.bytes.withUnsafeBufferPointer { bytes in
            Self.parseHead(bytes, from: input.readIndex, to: headEnd + 2, limits: limits)
        }
        input.consumeHead(endingAt: headEnd)
        switch parsed {
        case .failure(let error):
            return .emit(fail(error))
        case .head(let head, let framing):
            pendingHead = head
            pendingBody = []
            switch framing {
            case .none:
                return .emit(finishRequest())
            case .length(let length):
                if length > limits.maxBodyBytes { return .emit(fail(.bodyTooLarge)) }
                pendingBody.reserveCapacity(length)
                state = .body(remaining: length)
            case .chunked:
                chunks = HTTPChunkedDecoder()
                state = .chunked
            }
            if head.expectsContinue && bufferedByteCount == 0 { return .emit(.continueExpected) }
            return .proceed
        }
    }

    enum Framing: Equatable { case none, length(Int), chunked }

    /// A concrete result type: the generic `Result` showed up unspecialised
    /// in profiles of the request path.
    enum HeadParse {
        case head(HTTPRequestHead, Framing)
        case failure(HTTPParseError)
    }

    /// Parses `bytes[from..<to]`, the request line and header lines, each
    /// ending in CRLF (the final blank line excluded). A version that is
    /// not HTTP at all is 400; a well-formed one other than 1.0 and 1.1 is 505.
    static func parseHead(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to end: Int, limits: HTTPLimits)
        -> HeadParse
    {
        var cursor = from
        guard let lineEnd = HTTPFieldLines.lineEnd(bytes, from: cursor, to: end) else {
            return .failure(.malformed("request line not terminated by CRLF"))
        }
        // method SP request-target SP HTTP-version
        var index = cursor
        while index < lineEnd && HTTPSyntax.isTokenChar(bytes[index]) { index += 1 }
        guard index > cursor, index < lineEnd, bytes[index] == 32 else {
            return .failure(.malformed("invalid method"))
        }
        let method = HTTPMethod.known(UnsafeBufferPointer(rebasing: bytes[cursor..<index])) ?? HTTPMethod(rawValue: HTTPFieldLines.string(bytes, cursor, index))
        index += 1
        let targetStart = index
        while index < lineEnd && bytes[index] > 32 && bytes[index] < 127 { index += 1 }
        guard index > targetStart, index < lineEnd, bytes[index] == 32 else {
            return .failure(.malformed("invalid request target"))
        }
        let target = HTTPFieldLines.string(bytes, targetStart, index)
        guard target.utf8.first == UInt8(ascii: "/") || (target == "*" && method == .OPTIONS) else {
            return .failure(.malformed("request target must be in origin form"))
        }
        index += 1
        let version: HTTPVersion
        switch HTTPFieldLines.parseVersion(bytes, from: index, to: lineEnd) {
        case .some(.some(let parsed)): version = parsed
        case .some(.none): return .failure(.versionNotSupported)
        case .none: return .failure(.malformed("invalid HTTP version"))
        }
        cursor = lineEnd + 2

        let headers: HTTPHeaders
        let lines: HTTPFieldLines
        switch HTTPFieldLines.parse(bytes, from: cursor, to: end, limits: limits, isRequest: true) {
        case .fields(let parsedHeaders, let parsed):
            headers = parsedHeaders
            lines = parsed
        case .failure(let error): return .failure(error)
        }
        let hostCount = lines.hostCount
        if version == .http1_1 && hostCount != 1 {
            return .failure(.malformed(hostCount == 0 ? "missing Host header" : "more than one Host header"))
        }
        if hostCount > 1 { return .failure(.malformed("more than one Host header")) }

        var framing = Framing.none
        let transferEncodings = lines.transferEncodings
        if !transferEncodings.isEmpty {
            if lines.contentLength != nil {
                return .failure(.malformed("both Content-Length and Transfer-Encoding"))
            }
            if version == .http1_0 {
                return .failure(.malformed("Transfer-Encoding in an HTTP/1.0 request"))
            }
            guard transferEncodings.last == "chunked" else {
                return .failure(transferEncodings.contains("chunked")
                    ? .malformed("chunked must be the final transfer coding")
                    : .transferEncodingNotImplemented)
            }
            guard transferEncodings.count == 1 else { return .failure(.transferEncodingNotImplemented) }
            framing = .chunked
        } else if let length = lines.contentLength, length > 0 {
            framing = .length(length)
        }

        let head = HTTPRequestHead(
            method: method, target: target, version: version, headers: headers, keepAlive: lines.keepAlive(version),
            expectsContinue: lines.expectsContinue && version == .http1_1 && framing != .none)
        return .head(head, framing)
    }
}
