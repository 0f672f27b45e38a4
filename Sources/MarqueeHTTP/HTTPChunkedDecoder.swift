/// The chunked transfer coding (RFC 9112 section 7.1) as a state machine
/// over an input buffer: size lines, data, and trailer fields, for requests
/// and responses alike. Trailer fields are checked for syntax, then kept
/// (a client may want them) or discarded (the server has no use for them).
struct HTTPChunkedDecoder: Sendable {
    enum State: Sendable, Equatable {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers(bytesSeen: Int)
    }

    enum Step {
        case needMore
        /// The last chunk and the trailer section are consumed.
        case done
        case failure(HTTPParseError)
    }

    /// A chunk-size line longer than this is an attack, not a size.
    static let maxChunkSizeLine = 1024

    private(set) var state = State.size
    /// The trailer fields, when kept.
    private(set) var trailers: HTTPHeaders?

    init(keepingTrailers: Bool = false) {
        trailers = keepingTrailers ? HTTPHeaders() : nil
    }

    /// Decodes what `input` holds, appending chunk data to `body`. The
    /// decoded body may not pass `limits.maxBodyBytes`; the trailer section
    /// counts against `limits.maxHeadBytes` (and, when kept, its fields
    /// against `limits.maxHeaderCount`).
    mutating func decode(_ input: inout HTTPInputBuffer, into body: inout [UInt8], limits: HTTPLimits) -> Step {
        while true {
            switch state {
            case .size:
                switch parseSizeLine(&input, bodyCount: body.count, limits: limits) {
                case .needMore: return .needMore
                case .failure(let error): return .failure(error)
                case .parsed, .ended: continue
                }
            case .data(let remaining):
                let taken = input.move(upTo: remaining, into: &body)
                if taken < remaining {
                    state = .data(remaining: remaining - taken)
                    return .needMore
                }
                state = .dataEnd
            case .dataEnd:
                guard input.count >= 2 else { return .needMore }
                guard input.bytes[input.readIndex] == 13 && input.bytes[input.readIndex + 1] == 10 else {
                    return .failure(.malformed("chunk data not followed by CRLF"))
                }
                input.readIndex += 2
                state = .size
            case .trailers(let bytesSeen):
                switch parseTrailerLine(&input, bytesSeen: bytesSeen, limits: limits) {
                case .needMore: return .needMore
                case .failure(let error): return .failure(error)
                case .parsed: continue
                case .ended: return .done
                }
            }
        }
    }

    private enum LineStep {
        case needMore
        case parsed
        case ended
        case failure(HTTPParseError)
    }

    private mutating func parseSizeLine(_ input: inout HTTPInputBuffer, bodyCount: Int, limits: HTTPLimits) -> LineStep {
        // Decided by the first LF alone, so the answer is the same however
        // the bytes were split: a line (its CR included) longer than the
        // limit fails before its LF arrives; a bare LF can never end a
        // valid size line.
        let bytes = input.bytes
        guard let lineFeed = bytes[input.readIndex...].firstIndex(of: 10) else {
            if input.count > Self.maxChunkSizeLine + 1 { return .failure(.malformed("chunk size line too long")) }
            return .needMore
        }
        if lineFeed - input.readIndex > Self.maxChunkSizeLine + 1 { return .failure(.malformed("chunk size line too long")) }
        guard lineFeed > input.readIndex, bytes[lineFeed - 1] == 13 else { return .failure(.malformed("invalid chunk size")) }
        let lineEnd = lineFeed - 1
        var index = input.readIndex
        var size = 0
        var digits = 0
        while index < lineEnd, let digit = HTTPSyntax.hexValue(bytes[index]) {
            digits += 1
            // 15 hex digits already exceed any body limit: stop before overflow.
            if digits > 15 { return .failure(.malformed("chunk size too large")) }
            size = size << 4 | digit
            index += 1
        }
        guard digits > 0 else { return .failure(.malformed("invalid chunk size")) }
        // Optional chunk extensions: BWS ";" name["=" value]; checked, ignored.
        while index < lineEnd && (bytes[index] == 32 || bytes[index] == 9) { index += 1 }
        if index < lineEnd {
            guard bytes[index] == UInt8(ascii: ";") else { return .failure(.malformed("invalid chunk size")) }
            for position in index..<lineEnd where !HTTPSyntax.isFieldValueChar(bytes[position]) {
                return .failure(.malformed("invalid chunk extension"))
            }
        }
        input.readIndex = lineEnd + 2
        if size == 0 {
            state = .trailers(bytesSeen: 0)
            return .parsed
        }
        if bodyCount + size > limits.maxBodyBytes { return .failure(.bodyTooLarge) }
        state = .data(remaining: size)
        return .parsed
    }

    /// One trailer line; the empty line ends the message.
    private mutating func parseTrailerLine(_ input: inout HTTPInputBuffer, bytesSeen: Int, limits: HTTPLimits) -> LineStep {
        guard let lineEnd = input.findCRLF(from: input.readIndex) else {
            if bytesSeen + input.count > limits.maxHeadBytes { return .failure(.headTooLarge) }
            return .needMore
        }
        let start = input.readIndex
        let length = lineEnd - start
        if length == 0 {
            input.readIndex += 2
            return .ended
        }
        if bytesSeen + length + 2 > limits.maxHeadBytes { return .failure(.headTooLarge) }
        let bytes = input.bytes
        var colon = start
        while colon < lineEnd && HTTPSyntax.isTokenChar(bytes[colon]) { colon += 1 }
        guard colon > start, colon < lineEnd, bytes[colon] == UInt8(ascii: ":") else {
            return .failure(.malformed("invalid trailer field"))
        }
        for position in (colon + 1)..<lineEnd where !HTTPSyntax.isFieldValueChar(bytes[position]) {
            return .failure(.malformed("invalid trailer field"))
        }
        if trailers != nil {
            if trailers!.count == limits.maxHeaderCount { return .failure(.tooManyHeaders) }
            var valueStart = colon + 1
            var valueEnd = lineEnd
            while valueStart < valueEnd && (bytes[valueStart] == 32 || bytes[valueStart] == 9) { valueStart += 1 }
            while valueEnd > valueStart && (bytes[valueEnd - 1] == 32 || bytes[valueEnd - 1] == 9) { valueEnd -= 1 }
            bytes.withUnsafeBufferPointer { bytes in
                trailers!.append(name: UnsafeBufferPointer(rebasing: bytes[start..<colon]),
                                 value: UnsafeBufferPointer(rebasing: bytes[valueStart..<valueEnd]))
            }
        }
        input.readIndex = lineEnd + 2
        state = .trailers(bytesSeen: bytesSeen + length + 2)
        return .parsed
    }
}
