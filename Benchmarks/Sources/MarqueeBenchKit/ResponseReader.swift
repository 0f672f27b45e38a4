import MarqueeHTTP

/// The load generator's response reader: MarqueeHTTP's I/O-free response
/// parser (the one the HTTP client uses, fuzzed with the request parser)
/// behind the small shape the load loop wants. Bytes in, complete
/// responses out; what is left waits for the next read.
///
/// A response's framing depends on its request (no body after HEAD), so
/// the driver notes each request it sends with `expectResponse(toRequest:)`
/// before reading its answer.
public struct ResponseReader {
    public struct Response: Sendable {
        public let status: Int
        public let body: [UInt8]
        public let keepAlive: Bool
    }

    public enum Failure: Error { case malformed(String) }

    private var parser: HTTPResponseParser

    /// `maxBodyBytes`: a longer body is a failure (a run's answers are small).
    public init(maxBodyBytes: Int = 16 * 1024 * 1024) {
        parser = HTTPResponseParser(limits: HTTPLimits(maxBodyBytes: maxBodyBytes))
    }

    /// Notes a request about to be sent, by its bytes' method.
    public mutating func expectResponse(toRequest bytes: [UInt8]) {
        let isHead = bytes.count > 5 && bytes[0] == UInt8(ascii: "H") && bytes[1] == UInt8(ascii: "E")
            && bytes[2] == UInt8(ascii: "A") && bytes[3] == UInt8(ascii: "D") && bytes[4] == UInt8(ascii: " ")
        parser.expectResponse(to: isHead ? .HEAD : .GET)
    }

    public mutating func expectResponse(to method: HTTPMethod) {
        parser.expectResponse(to: method)
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        parser.append(bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        parser.append(bytes)
    }

    /// The next complete response, nil when more bytes are needed.
    public mutating func next() throws -> Response? {
        switch parser.next() {
        case nil, .informational?:
            return nil
        case .response(let response)?:
            return Response(status: response.head.statusCode, body: response.body, keepAlive: response.head.keepAlive)
        case .failure(let error)?:
            throw Failure.malformed(error.description)
        }
    }
}
