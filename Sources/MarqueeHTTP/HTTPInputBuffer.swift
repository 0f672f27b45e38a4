import Glibc

/// The bytes a connection received and not yet consumed, with the cursor
/// a parser reads them at; shared by the request and response parsers.
///
/// One array per connection, emptied (capacity kept) when a read arrives
/// and everything before it was consumed, so a keep-alive connection
/// reuses the same storage. `headScanFrom` lets the search for the end of
/// a head resume where it stopped, so a head trickling in byte by byte
/// costs linear time.
struct HTTPInputBuffer: Sendable {
    var bytes: [UInt8] = []
    var readIndex = 0
    /// Where the search for the end of the head resumes.
    var headScanFrom = 0

    /// Bytes received but not yet consumed.
    var count: Int { bytes.count - readIndex }

    mutating func append(_ newBytes: UnsafeRawBufferPointer) {
        if readIndex > 0 && readIndex == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            readIndex = 0
            headScanFrom = 0
        }
        bytes.append(contentsOf: newBytes)
    }

    /// The unconsumed bytes, leaving the buffer empty.
    mutating func takeRemaining() -> [UInt8] {
        let rest = Array(bytes[readIndex...])
        bytes.removeAll()
        readIndex = 0
        headScanFrom = 0
        return rest
    }

    /// Appends up to `limit` unconsumed bytes to `body`, consuming them;
    /// returns how many.
    @inline(__always)
    mutating func move(upTo limit: Int, into body: inout [UInt8]) -> Int {
        let taken = min(limit, count)
        if taken > 0 {
            body.append(contentsOf: bytes[readIndex..<(readIndex + taken)])
            readIndex += taken
        }
        return taken
    }

    /// Index of the first CRLF at or after `from`, or nil.
    func findCRLF(from: Int) -> Int? {
        var index = from
        let end = bytes.count - 1
        while index < end {
            if bytes[index] == 13 && bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }

    /// Index of the blank line ending the head (`\r\n\r\n`), or nil.
    func findHeadEnd(from: Int) -> Int? {
        // memchr (vectorised in glibc) from LF to LF, then a look around
        // each: cheaper than memmem's general search for a typical head,
        // whose first LF is near the blank line's.
        bytes.withUnsafeBufferPointer { bytes -> Int? in
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

    /// Finds the end of a head that starts at `readIndex`, for a head of at
    /// most `maxHeadBytes` (the start line and field lines with their
    /// CRLFs). `.found(end)` gives the index of the blank line's CR.
    @inline(__always)
    mutating func scanForHead(maxHeadBytes: Int) -> HeadScan {
        guard let headEnd = findHeadEnd(from: max(headScanFrom, readIndex)) else {
            // +2: the blank line that ends a head of exactly the limit may be half here.
            if count > maxHeadBytes + 2 { return .tooLarge }
            headScanFrom = max(readIndex, bytes.count - 3)
            return .needMore
        }
        if headEnd + 2 - readIndex > maxHeadBytes { return .tooLarge }
        return .found(headEnd)
    }

    enum HeadScan: Equatable {
        case needMore
        case tooLarge
        case found(Int)
    }

    /// Consumes a head whose blank line starts at `headEnd`.
    mutating func consumeHead(endingAt headEnd: Int) {
        readIndex = headEnd + 4
        headScanFrom = readIndex
    }
}
