/// The chunked transfer coding (RFC 9112 section 7.1): size lines, data,
/// and trailer fields, which are checked for syntax and then discarded.
extension HTTPParser {
    enum LineStep {
        case needMore
        case parsed
        case failure(HTTPParseError)
    }

    /// A chunk-size line longer than this is an attack, not a size.
    static let maxChunkSizeLine = 1024

    mutating func parseChunkSizeLine() -> LineStep {
        guard let lineEnd = findCRLF(from: readIndex) else {
            if bufferedByteCount > Self.maxChunkSizeLine { return .failure(.malformed("chunk size line too long")) }
            // A bare LF can never become a valid size line.
            if buffer[readIndex...].contains(10) { return .failure(.malformed("invalid chunk size")) }
            return .needMore
        }
        var index = readIndex
        var size = 0
        var digits = 0
        while index < lineEnd, let digit = HTTPSyntax.hexValue(buffer[index]) {
            digits += 1
            // 15 hex digits already exceed any body limit: stop before overflow.
            if digits > 15 { return .failure(.malformed("chunk size too large")) }
            size = size << 4 | digit
            index += 1
        }
        guard digits > 0 else { return .failure(.malformed("invalid chunk size")) }
        // Optional chunk extensions: BWS ";" name["=" value]; checked, ignored.
        while index < lineEnd && (buffer[index] == 32 || buffer[index] == 9) { index += 1 }
        if index < lineEnd {
            guard buffer[index] == UInt8(ascii: ";") else { return .failure(.malformed("invalid chunk size")) }
            for position in index..<lineEnd where !HTTPSyntax.isFieldValueChar(buffer[position]) {
                return .failure(.malformed("invalid chunk extension"))
            }
        }
        readIndex = lineEnd + 2
        if size == 0 {
            state = .trailers(bytesSeen: 0)
            return .parsed
        }
        if pendingBody.count + size > limits.maxBodyBytes { return .failure(.bodyTooLarge) }
        state = .chunkData(remaining: size)
        return .parsed
    }

    /// One trailer line; the empty line ends the message (state goes to `.head`).
    mutating func parseTrailerLine(bytesSeen: Int) -> LineStep {
        guard let lineEnd = findCRLF(from: readIndex) else {
            if bytesSeen + bufferedByteCount > limits.maxHeadBytes { return .failure(.headTooLarge) }
            return .needMore
        }
        let length = lineEnd - readIndex
        if length == 0 {
            readIndex += 2
            state = .head
            return .parsed
        }
        if bytesSeen + length + 2 > limits.maxHeadBytes { return .failure(.headTooLarge) }
        var colon = readIndex
        while colon < lineEnd && HTTPSyntax.isTokenChar(buffer[colon]) { colon += 1 }
        guard colon > readIndex, colon < lineEnd, buffer[colon] == UInt8(ascii: ":") else {
            return .failure(.malformed("invalid trailer field"))
        }
        for position in (colon + 1)..<lineEnd where !HTTPSyntax.isFieldValueChar(buffer[position]) {
            return .failure(.malformed("invalid trailer field"))
        }
        readIndex = lineEnd + 2
        state = .trailers(bytesSeen: bytesSeen + length + 2)
        return .parsed
    }
}
