/// The status line (RFC 9112 section 4), the field lines, and the
/// response's framing, which depends on the request (section 6.3).
extension HTTPResponseParser {
    enum HeadStep {
        case needMore
        case proceed
        case emit(HTTPResponseParserEvent)
    }

    enum Framing: Equatable {
        case none
        case length(Int)
        case chunked
        case untilClose
    }

    enum HeadParse {
        case head(HTTPResponseHead, Framing)
        case failure(HTTPResponseParseError)
    }

    mutating func parseHeadIfComplete(method: HTTPMethod) -> HeadStep {
        let headEnd: Int
        switch input.scanForHead(maxHeadBytes: limits.maxHeadBytes) {
        case .needMore: return .needMore
        case .tooLarge: return .emit(fail(.headTooLarge))
        case .found(let end): headEnd = end
        }
        let parsed = input.bytes.withUnsafeBufferPointer { bytes in
            Self.parseHead(bytes, from: input.readIndex, to: headEnd + 2, method: method, limits: limits)
        }
        input.consumeHead(endingAt: headEnd)
        switch parsed {
        case .failure(let error):
            return .emit(fail(error))
        case .head(let head, let framing):
            if head.isInformational && head.statusCode != 101 {
                // Interim: the final response to the same request follows.
                return reportsInformational ? .emit(.informational(head)) : .proceed
            }
            pendingHead = head
            pendingBody = []
            switch framing {
            case .none:
                if head.statusCode == 101 { state = .switched }
                return .emit(finishResponse())
            case .length(let length):
                if length > limits.maxBodyBytes { return .emit(fail(.bodyTooLarge)) }
                pendingBody.reserveCapacity(length)
                state = .body(remaining: length)
            case .chunked:
                chunks = HTTPChunkedDecoder(keepingTrailers: true)
                state = .chunked
            case .untilClose:
                state = .untilClose
            }
            return .proceed
        }
    }

    /// Parses `bytes[from..<end]`, the status line and field lines, each
    /// ending in CRLF (the final blank line excluded), of the response to a
    /// `method` request.
    static func parseHead(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to end: Int, method: HTTPMethod,
                          limits: HTTPLimits) -> HeadParse {
        guard let lineEnd = HTTPFieldLines.lineEnd(bytes, from: from, to: end) else {
            return .failure(.malformed("status line not terminated by CRLF"))
        }
        // HTTP-version SP status-code SP [ reason-phrase ]; the second SP is
        // often left out with an empty reason, and accepted without.
        guard lineEnd - from >= 12, bytes[from + 8] == 32 else { return .failure(.malformed("invalid status line")) }
        let version: HTTPVersion
        switch HTTPFieldLines.parseVersion(bytes, from: from, to: from + 8) {
        case .some(.some(let parsed)): version = parsed
        case .some(.none): return .failure(.versionNotSupported)
        case .none: return .failure(.malformed("invalid HTTP version"))
        }
        var statusCode = 0
        for index in (from + 9)..<(from + 12) {
            guard HTTPSyntax.isDigit(bytes[index]) else { return .failure(.malformed("invalid status code")) }
            statusCode = statusCode * 10 + Int(bytes[index] - 48)
        }
        guard (100...599).contains(statusCode) else { return .failure(.malformed("status code out of range")) }
        var reasonStart = from + 12
        if reasonStart < lineEnd {
            guard bytes[reasonStart] == 32 else { return .failure(.malformed("invalid status line")) }
            reasonStart += 1
        }
        guard HTTPSyntax.allFieldValueChars(bytes, from: reasonStart, to: lineEnd) else {
            return .failure(.malformed("invalid character in reason phrase"))
        }

        let headers: HTTPHeaders
        let lines: HTTPFieldLines
        switch HTTPFieldLines.parse(bytes, from: lineEnd + 2, to: end, limits: limits, isRequest: false) {
        case .fields(let parsedHeaders, let parsed):
            headers = parsedHeaders
            lines = parsed
        case .failure(let error): return .failure(HTTPResponseParseError(error))
        }
        let framing: Framing
        switch Self.framing(lines, version: version, statusCode: statusCode, method: method) {
        case .success(let decided): framing = decided
        case .failure(let error): return .failure(error)
        }
        let head = HTTPResponseHead(
            version: version, statusCode: statusCode,
            reasonPhrase: HTTPFieldLines.string(bytes, reasonStart, lineEnd), headers: headers,
            keepAlive: lines.keepAlive(version) && framing != .untilClose)
        return .head(head, framing)
    }

    /// How the body is delimited (RFC 9112 6.3). Both a length and a
    /// transfer coding, or a transfer coding in HTTP/1.0, could be a
    /// response-splitting attempt: refused, not guessed at.
    static func framing(_ lines: HTTPFieldLines, version: HTTPVersion, statusCode: Int, method: HTTPMethod)
        -> Result<Framing, HTTPResponseParseError>
    {
        let codings = lines.transferEncodings
        if !codings.isEmpty && lines.contentLength != nil {
            return .failure(.malformed("both Content-Length and Transfer-Encoding"))
        }
        if method == .HEAD || statusCode < 200 || statusCode == 204 || statusCode == 304 { return .success(.none) }
        if !codings.isEmpty {
            if version == .http1_0 { return .failure(.malformed("Transfer-Encoding in an HTTP/1.0 response")) }
            guard codings.last == "chunked" else {
                // Read to the close, the RFC says; but the body would still
                // be in a coding we cannot decode.
                return .failure(codings.contains("chunked")
                    ? .malformed("chunked must be the final transfer coding")
                    : .transferEncodingNotImplemented)
            }
            guard codings.count == 1 else { return .failure(.transferEncodingNotImplemented) }
            return .success(.chunked)
        }
        if let length = lines.contentLength { return .success(length > 0 ? .length(length) : .none) }
        return .success(.untilClose)
    }
}
