import Glibc

/// The field lines of a head (RFC 9112 section 5), shared by the request
/// and response parsers: each line is checked and copied into
/// `HTTPHeaders`, and the fields that decide framing and connection reuse
/// are read as they pass into a value of this type.
struct HTTPFieldLines {
    var contentLength: Int?
    /// Transfer codings in order, lower-cased.
    var transferEncodings: [String] = []
    var connectionClose = false
    var connectionKeepAlive = false
    /// `Expect: 100-continue` was sent (requests only).
    var expectsContinue = false
    /// `Host` fields seen (requests only).
    var hostCount = 0

    enum Parse {
        case fields(HTTPHeaders, HTTPFieldLines)
        case failure(HTTPParseError)
    }

    /// Parses the field lines in `bytes[from..<end]`, each ending in CRLF
    /// (the final blank line excluded). Requests also read `Expect` (any
    /// expectation but 100-continue fails) and count `Host` fields.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to end: Int, limits: HTTPLimits,
                      isRequest: Bool) -> Parse {
        // Locals, not properties of `lines`: a field read through a
        // property is retained around every call, several per line.
        var headers = HTTPHeaders(reservingCapacity: 8, bytes: end - from)
        var lines = HTTPFieldLines()
        var cursor = from
        while cursor < end {
            guard let fieldEnd = lineEnd(bytes, from: cursor, to: end) else {
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
            if let error = lines.noteLastField(of: headers, isRequest: isRequest) { return .failure(error) }
        }
        return .fields(headers, lines)
    }

    /// Reads the field just appended if it is one the parsers act on.
    @inline(__always)
    private mutating func noteLastField(of headers: HTTPHeaders, isRequest: Bool) -> HTTPParseError? {
        if headers.lastNameIs("content-length") {
            // The usual single number is read from the bytes. A list of
            // identical values is one value (RFC 9110 8.6); anything else is smuggling.
            if let length = headers.withLastValue({ HTTPSyntax.parseDecimal($0) }) {
                guard contentLength == nil || contentLength == length else {
                    return .malformed("conflicting Content-Length values")
                }
                contentLength = length
                return nil
            }
            for item in headers.lastValue.split(separator: ",", omittingEmptySubsequences: false) {
                guard let length = HTTPSyntax.parseDecimal(item.trimmingSpaces.utf8) else {
                    return .malformed("invalid Content-Length")
                }
                guard contentLength == nil || contentLength == length else {
                    return .malformed("conflicting Content-Length values")
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
        } else if isRequest && headers.lastNameIs("expect") {
            guard headers.lastValue.lowercased() == "100-continue" else { return .expectationFailed }
            expectsContinue = true
        } else if isRequest && headers.lastNameIs("host") {
            hostCount += 1
        }
        return nil
    }

    /// Whether the connection stays open after this message: HTTP/1.1
    /// unless `Connection: close`; HTTP/1.0 only with `keep-alive`.
    func keepAlive(_ version: HTTPVersion) -> Bool {
        version == .http1_1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
    }

    /// nil: not an HTTP version at all; .some(nil): a well-formed version
    /// other than 1.0 and 1.1.
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
    /// line fails the character checks the parsers make if it is a CR.
    static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> Int? {
        guard from < end, let base = bytes.baseAddress, let hit = memchr(base + from, 10, end - from) else { return nil }
        let lineFeed = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        return lineFeed > from && bytes[lineFeed - 1] == 13 ? lineFeed - 1 : nil
    }

    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
    }
}
