import Glibc

/// Request line and header fields (RFC 9112 sections 3 and 5), and the
/// framing decision that follows from them (section 6).
extension HTTPParser {
    enum HeadStep {
        case needMore
        case proceed
        case emit(HTTPParserEvent)
    }

    mutating func parseHeadIfComplete() -> HeadStep {
        // RFC 9112 2.2: ignore empty lines before the request line.
        while bufferedByteCount >= 2 && buffer[readIndex] == 13 && buffer[readIndex + 1] == 10 {
            readIndex += 2
        }
        guard let headEnd = findHeadEnd(from: max(headScanFrom, readIndex)) else {
            // +2: the blank line that ends a head of exactly the limit may be half here.
            if bufferedByteCount > limits.maxHeadBytes + 2 { return .emit(fail(.headTooLarge)) }
            headScanFrom = max(readIndex, buffer.count - 3)
            return .needMore
        }
        if headEnd + 2 - readIndex > limits.maxHeadBytes { return .emit(fail(.headTooLarge)) }

        let parsed = buffer.withUnsafeBufferPointer { bytes in
            Self.parseHead(bytes, from: readIndex, to: headEnd + 2, limits: limits)
        }
        readIndex = headEnd + 4
        headScanFrom = readIndex
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
                state = .chunkSize
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
    /// ending in CRLF (the final blank line excluded).
    static func parseHead(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to end: Int, limits: HTTPLimits)
        -> HeadParse
    {
        var cursor = from
        guard let lineEnd = Self.lineEnd(bytes, from: cursor, to: end) else {
            return .failure(.malformed("request line not terminated by CRLF"))
        }
        // method SP request-target SP HTTP-version
        var index = cursor
        while index < lineEnd && HTTPSyntax.isTokenChar(bytes[index]) { index += 1 }
        guard index > cursor, index < lineEnd, bytes[index] == 32 else {
            return .failure(.malformed("invalid method"))
        }
        let method = HTTPMethod.known(UnsafeBufferPointer(rebasing: bytes[cursor..<index])) ?? HTTPMethod(rawValue: string(bytes, cursor, index))
        index += 1
        let targetStart = index
        while index < lineEnd && bytes[index] > 32 && bytes[index] < 127 { index += 1 }
        guard index > targetStart, index < lineEnd, bytes[index] == 32 else {
            return .failure(.malformed("invalid request target"))
        }
        let target = string(bytes, targetStart, index)
        guard target.utf8.first == UInt8(ascii: "/") || (target == "*" && method == .OPTIONS) else {
            return .failure(.malformed("request target must be in origin form"))
        }
        index += 1
        let version: HTTPVersion
        switch parseVersion(bytes, from: index, to: lineEnd) {
        case .some(.some(let parsed)): version = parsed
        case .some(.none): return .failure(.versionNotSupported)
        case .none: return .failure(.malformed("invalid HTTP version"))
        }
        cursor = lineEnd + 2

        var headers = HTTPHeaders(reservingCapacity: 8, bytes: end - cursor)
        var contentLength: Int?
        var transferEncodings: [String] = []
        var connectionClose = false
        var connectionKeepAlive = false
        var expectsContinue = false
        var hostCount = 0

        while cursor < end {
            guard let fieldEnd = Self.lineEnd(bytes, from: cursor, to: end) else {
                return .failure(.malformed("header line not terminated by CRLF"))
            }
            if headers.count == limits.maxHeaderCount { return .failure(.tooManyHeaders) }
            if bytes[cursor] == 32 || bytes[cursor] == 9 {
                return .failure(.malformed("obsolete line folding is not accepted"))
            }
            var colon = cursor
            while colon < fieldEnd && HTTPSyntax.isTokenChar(bytes[colon]) { colon += 1 }
            guard colon > cursor, colon < fieldEnd, bytes[colon] == UInt8(ascii: ":") else {
                return .failure(.malformed("invalid header field name"))
            }
            var valueStart = colon + 1
            var valueEnd = fieldEnd
            while valueStart < valueEnd && (bytes[valueStart] == 32 || bytes[valueStart] == 9) { valueStart += 1 }
            while valueEnd > valueStart && (bytes[valueEnd - 1] == 32 || bytes[valueEnd - 1] == 9) { valueEnd -= 1 }
            guard HTTPSyntax.allFieldValueChars(bytes, from: valueStart, to: valueEnd) else {
                return .failure(.malformed("invalid character in header field value"))
            }
            headers.append(name: UnsafeBufferPointer(rebasing: bytes[cursor..<colon]),
                           value: UnsafeBufferPointer(rebasing: bytes[valueStart..<valueEnd]))
            cursor = fieldEnd + 2

            if headers.lastNameIs("content-length") {
                // The usual single number is read from the bytes. A list of
                // identical values is one value (RFC 9110 8.6); anything else is smuggling.
                if let length = headers.withLastValue({ HTTPSyntax.parseDecimal($0) }) {
                    guard contentLength == nil || contentLength == length else {
                        return .failure(.malformed("conflicting Content-Length values"))
                    }
                    contentLength = length
                    continue
                }
                for item in headers.lastValue.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let length = HTTPSyntax.parseDecimal(item.trimmingSpaces.utf8) else {
                        return .failure(.malformed("invalid Content-Length"))
                    }
                    guard contentLength == nil || contentLength == length else {
                        return .failure(.malformed("conflicting Content-Length values"))
                    }
                    contentLength = length
                }
            } else if headers.lastNameIs("transfer-encoding") {
                for item in headers.lastValue.split(separator: ",") {
                    let coding = item.trimmingSpaces.lowercased()
                    if !coding.isEmpty { transferEncodings.append(coding) }
                }
            } else if headers.lastNameIs("connection") {
                for item in headers.lastValue.split(separator: ",") {
                    switch item.trimmingSpaces.lowercased() {
                    case "close": connectionClose = true
                    case "keep-alive": connectionKeepAlive = true
                    default: break
                    }
                }
            } else if headers.lastNameIs("expect") {
                guard headers.lastValue.lowercased() == "100-continue" else { return .failure(.expectationFailed) }
                expectsContinue = version == .http1_1
            } else if headers.lastNameIs("host") {
                hostCount += 1
            }
        }

        if version == .http1_1 && hostCount != 1 {
            return .failure(.malformed(hostCount == 0 ? "missing Host header" : "more than one Host header"))
        }
        if hostCount > 1 { return .failure(.malformed("more than one Host header")) }

        var framing = Framing.none
        if !transferEncodings.isEmpty {
            if contentLength != nil {
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
        } else if let length = contentLength, length > 0 {
            framing = .length(length)
        }

        let keepAlive = version == .http1_1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        let head = HTTPRequestHead(
            method: method, target: target, version: version, headers: headers,
            keepAlive: keepAlive, expectsContinue: expectsContinue && framing != .none)
        return .head(head, framing)
    }

    /// nil: not an HTTP version at all (400); .some(nil): a well-formed
    /// version other than 1.0 and 1.1 (505).
    static func parseVersion(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> HTTPVersion?? {
        // "HTTP/" DIGIT "." DIGIT
        guard end - from == 8,
              bytes[from] == UInt8(ascii: "H"), bytes[from + 1] == UInt8(ascii: "T"),
              bytes[from + 2] == UInt8(ascii: "T"), bytes[from + 3] == UInt8(ascii: "P"),
              bytes[from + 4] == UInt8(ascii: "/"), bytes[from + 6] == UInt8(ascii: "."),
              HTTPSyntax.isDigit(bytes[from + 5]), HTTPSyntax.isDigit(bytes[from + 7])
        else { return nil }
        switch (bytes[from + 5], bytes[from + 7]) {
        case (UInt8(ascii: "1"), UInt8(ascii: "1")): return .some(.http1_1)
        case (UInt8(ascii: "1"), UInt8(ascii: "0")): return .some(.http1_0)
        default: return .some(nil)
        }
    }

    /// The CR of the CRLF ending the line that starts at `from`; nil if the
    /// first LF has no CR before it (rejected rather than guessed at). A
    /// bare CR earlier in the line is not looked for here: every byte of a
    /// line fails the character checks `parseHead` makes if it is a CR.
    static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> Int? {
        guard from < end, let base = bytes.baseAddress, let hit = memchr(base + from, 10, end - from) else { return nil }
        let lineFeed = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        return lineFeed > from && bytes[lineFeed - 1] == 13 ? lineFeed - 1 : nil
    }

    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
    }
}
