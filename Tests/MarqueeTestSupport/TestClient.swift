import Glibc

/// A blocking TCP client for tests: sends exact bytes and reads HTTP/1.1
/// responses byte-exactly, so tests can pipeline, trickle, and send
/// malformed requests that no HTTP library would.
public final class TestClient {
    public struct Response: CustomStringConvertible {
        public let status: Int
        public let headers: [String: String]
        public let body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
        public var description: String { "\(status) \(headers) \(text)" }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    private let fd: Int32
    private var buffer: [UInt8] = []

    /// `receiveBufferBytes`: a fixed kernel receive buffer (SO_RCVBUF, set
    /// before connecting so the window offered follows it and the kernel
    /// does not grow it), for tests of a client that stops reading.
    /// `sourceHost`: the local address to connect from (any of 127.0.0.0/8
    /// on Linux), for tests of limits per client address.
    public init(port: Int, host: String = "127.0.0.1", timeoutSeconds: Int = 5, receiveBufferBytes: Int? = nil,
                sourceHost: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket: \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBufferBytes.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        if let sourceHost {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, sourceHost, &local.sin_addr)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw Failure("bind to \(sourceHost): errno \(errno)") }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            // No close here: a class whose initializer throws once every
            // property is set is deinitialised, and deinit closes. Closing
            // twice closed whatever socket another test (or the in-process
            // server) had just been given the same number for.
            throw Failure("connect to \(port): errno \(errno)")
        }
    }

    deinit { Glibc.close(fd) }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw Failure("send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Reads more bytes into the buffer; false on EOF.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count == 0 { return false }
        guard count > 0 else { throw Failure(errno == EAGAIN ? "timed out waiting for the server" : "recv: errno \(errno)") }
        buffer.append(contentsOf: chunk[..<count])
        return true
    }

    /// Reads one response (Content-Length framed, or to EOF without one).
    public func readResponse(forHead: Bool = false) throws -> Response {
        var headEnd: Int?
        while headEnd == nil {
            headEnd = Self.find([13, 10, 13, 10], in: buffer)
            if headEnd == nil {
                guard try fill() else { throw Failure("connection closed before a response head (\(buffer.count) bytes)") }
            }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure("bad status line: \(head)") }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: " ")
        }
        buffer.removeFirst(headEnd! + 4)
        var length = forHead || status < 200 || status == 204 ? 0 : Int(headers["content-length"] ?? "") ?? -1
        if length < 0 {
            while try fill() {}
            length = buffer.count
        }
        while buffer.count < length {
            guard try fill() else { throw Failure("connection closed mid-body") }
        }
        let body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return Response(status: status, headers: headers, body: body)
    }

    /// True if the server closes the connection (EOF) before the timeout.
    public func waitForClose() throws -> Bool {
        while true {
            do {
                if try !fill() { return true }
            } catch let failure as Failure where failure.description.hasPrefix("recv: errno 104") {
                return true  // reset also means closed
            }
        }
    }

    public var unreadBytes: Int { buffer.count }

    func fillForRaw() throws -> Bool { try fill() }

    func takeBuffered(_ count: Int) -> [UInt8] {
        let taken = Array(buffer[..<count])
        buffer.removeFirst(count)
        return taken
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var result = self
        while result.first == set { result.removeFirst() }
        while result.last == set { result.removeLast() }
        return String(result)
    }
}

/// A plain GET with keep-alive.
public func get(_ path: String, headers: String = "") -> String {
    "GET \(path) HTTP/1.1\r\nHost: test\r\n\(headers)\r\n"
}

extension TestClient {
    /// Exactly `count` raw bytes (for non-HTTP tests).
    public func readRaw(count: Int) throws -> [UInt8] {
        while unreadBytes < count {
            guard try fillForRaw() else { throw Failure("closed after \(unreadBytes) of \(count) bytes") }
        }
        return takeBuffered(count)
    }
}
