/// An incremental HTTP/1.1 response reader for the load generator: status,
/// `Content-Length` or chunked bodies, keep-alive. Bytes in, complete
/// responses out; it keeps what is left for the next read.
public struct ResponseReader {
    public struct Response: Sendable {
        public let status: Int
        public let body: [UInt8]
        public let keepAlive: Bool
    }

    public enum Failure: Error { case malformed(String) }

    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next complete response, nil when more bytes are needed.
    public mutating func next() throws -> Response? {
        guard let headEnd = find([13, 10, 13, 10], from: start) else { return nil }
        // "HTTP/1.1 200 OK"
        guard headEnd - start >= 12, buffer[start + 8] == 32 else { throw Failure.malformed("status line") }
        let status = (Int(buffer[start + 9]) - 48) * 100 + (Int(buffer[start + 10]) - 48) * 10 + Int(buffer[start + 11]) - 48
        var contentLength = 0
        var chunked = false
        var keepAlive = true
        var lineStart = find([13, 10], from: start)! + 2
        while lineStart < headEnd {
            let lineEnd = find([13, 10], from: lineStart)!
            if let colon = buffer[lineStart..<lineEnd].firstIndex(of: 58) {
                let name = String(decoding: buffer[lineStart..<colon], as: UTF8.self).lowercased()
                let value = String(decoding: buffer[(colon + 1)..<lineEnd], as: UTF8.self).trimmingSpaces()
                switch name {
                case "content-length": contentLength = Int(value) ?? 0
                case "transfer-encoding": chunked = value.lowercased().contains("chunked")
                case "connection": keepAlive = value.lowercased() != "close"
                default: break
                }
            }
            lineStart = lineEnd + 2
        }
        let bodyStart = headEnd + 4
        if chunked {
            var body: [UInt8] = []
            var position = bodyStart
            while true {
                guard let sizeEnd = find([13, 10], from: position) else { return nil }
                let sizeText = String(decoding: buffer[position..<sizeEnd], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingCharacters(), radix: 16) else { throw Failure.malformed("chunk size") }
                let dataStart = sizeEnd + 2
                guard buffer.count >= dataStart + size + 2 else { return nil }
                if size == 0 {
                    start = dataStart + 2
                    return Response(status: status, body: body, keepAlive: keepAlive)
                }
                body.append(contentsOf: buffer[dataStart..<(dataStart + size)])
                position = dataStart + size + 2
            }
        }
        guard buffer.count >= bodyStart + contentLength else { return nil }
        let body = Array(buffer[bodyStart..<(bodyStart + contentLength)])
        start = bodyStart + contentLength
        return Response(status: status, body: body, keepAlive: keepAlive)
    }

    private func find(_ needle: [UInt8], from: Int) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        var index = from
        while index + needle.count <= buffer.count {
            if buffer[index] == needle[0] && buffer[index + 1] == needle[1]
                && (needle.count == 2 || (buffer[index + 2] == needle[2] && buffer[index + 3] == needle[3])) {
                return index
            }
            index += 1
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String { String(self).trimmingSpaces() }
}
