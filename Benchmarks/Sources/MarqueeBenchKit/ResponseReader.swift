/// An incremental HTTP/1.1 response reader for the load generator: status,
/// `Content-Length` or chunked bodies, keep-alive. Bytes in, complete
/// responses out; it keeps what is left for the next read. It scans bytes
/// in place and makes no strings: at tens of thousands of responses a
/// second the generator must cost less than the server it measures.
public struct ResponseReader {
    public struct Response: Sendable {
        public let status: Int
        public let body: [UInt8]
        public let keepAlive: Bool
    }

    public enum Failure: Error { case malformed(String) }

    private var buffer: [UInt8] = []
    private var start = 0

    public init() {
        buffer.reserveCapacity(16 * 1024)
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 64 * 1024 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next complete response, nil when more bytes are needed.
    public mutating func next() throws -> Response? {
        let parsed: (Response, Int)? = try buffer.withUnsafeBufferPointer { bytes in
            try Self.parse(bytes, from: start)
        }
        guard let (response, end) = parsed else { return nil }
        start = end
        return response
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte | 0x20 }

    /// Whether `bytes[at...]` starts with `name` (lower case ASCII) then ':'.
    private static func isHeader(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int, _ end: Int, _ name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        guard end - at > count, bytes[at + count] == 58 else { return false }
        let pointer = name.utf8Start
        for offset in 0..<count where lower(bytes[at + offset]) != pointer[offset] { return false }
        return true
    }

    private static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var index = from
        while index + 1 < bytes.count {
            if bytes[index] == 13 && bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) throws -> (Response, Int)? {
        guard let statusEnd = lineEnd(bytes, from: start) else { return nil }
        // "HTTP/1.1 200 OK"
        guard statusEnd - start >= 12, bytes[start + 8] == 32 else { throw Failure.malformed("status line") }
        let status = (Int(bytes[start + 9]) - 48) * 100 + (Int(bytes[start + 10]) - 48) * 10 + Int(bytes[start + 11]) - 48
        var contentLength = 0
        var chunked = false
        var keepAlive = true
        var line = statusEnd + 2
        while true {
            guard let end = lineEnd(bytes, from: line) else { return nil }
            if end == line { break }  // the empty line ends the head
            if isHeader(bytes, line, end, "content-length") {
                var value = 0
                for index in (line + 15)..<end where bytes[index] >= 48 && bytes[index] <= 57 {
                    value = value * 10 + Int(bytes[index] - 48)
                }
                contentLength = value
            } else if isHeader(bytes, line, end, "transfer-encoding") {
                chunked = true  // the only coding servers send us
            } else if isHeader(bytes, line, end, "connection") {
                var index = line + 11
                while index < end && bytes[index] == 32 { index += 1 }
                keepAlive = !(index < end && lower(bytes[index]) == UInt8(ascii: "c"))
            }
            line = end + 2
        }
        let bodyStart = line + 2
        if chunked {
            var body: [UInt8] = []
            var position = bodyStart
            while true {
                guard let sizeEnd = lineEnd(bytes, from: position) else { return nil }
                var size = 0
                for index in position..<sizeEnd {
                    let byte = lower(bytes[index])
                    if byte >= 48 && byte <= 57 { size = size * 16 + Int(byte - 48) } else if byte >= 97 && byte <= 102 { size = size * 16 + Int(byte - 87) } else { break }
                }
                let dataStart = sizeEnd + 2
                guard bytes.count >= dataStart + size + 2 else { return nil }
                if size == 0 { return (Response(status: status, body: body, keepAlive: keepAlive), dataStart + 2) }
                body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[dataStart..<(dataStart + size)]))
                position = dataStart + size + 2
            }
        }
        guard bytes.count >= bodyStart + contentLength else { return nil }
        let body = Array(UnsafeBufferPointer(rebasing: bytes[bodyStart..<(bodyStart + contentLength)]))
        return (Response(status: status, body: body, keepAlive: keepAlive), bodyStart + contentLength)
    }
}
