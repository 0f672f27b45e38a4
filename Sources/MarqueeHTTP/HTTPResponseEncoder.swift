/// Serialises responses into a connection's output buffer, so responses to
/// pipelined requests leave in one write per loop turn.
public enum HTTPResponseEncoder {
    /// Appends `response` to `out`. `date` is the cached IMF-fixdate bytes;
    /// `keepAlive` is whether the connection stays open after it; a HEAD
    /// request gets the head only, with the length the body would have had.
    public static func encode(
        _ response: HTTPResponse, into out: inout [UInt8], date: [UInt8],
        version: HTTPVersion, keepAlive: Bool, isHead: Bool = false, requestID: String? = nil
    ) {
        append(version == .http1_0 ? "HTTP/1.0 " : "HTTP/1.1 ", to: &out)
        out.appendDecimal(Int64(response.status.code))
        out.append(32)
        appendUTF8(response.status.reason, to: &out)
        append("\r\nDate: ", to: &out)
        out.append(contentsOf: date)
        if let contentType = response.contentType {
            append("\r\nContent-Type: ", to: &out)
            appendUTF8(contentType, to: &out)
        }
        let hasBody = response.status.code >= 200 && response.status.code != 204 && response.status.code != 304
        if hasBody {
            append("\r\nContent-Length: ", to: &out)
            out.appendDecimal(Int64(response.body.count))
        }
        if !keepAlive {
            append("\r\nConnection: close", to: &out)
        } else if version == .http1_0 {
            append("\r\nConnection: keep-alive", to: &out)
        }
        if let requestID {
            append("\r\nX-Request-Id: ", to: &out)
            appendUTF8(requestID, to: &out)
        }
        for field in response.headers {
            append("\r\n", to: &out)
            appendUTF8(field.name, to: &out)
            append(": ", to: &out)
            appendUTF8(field.value, to: &out)
        }
        append("\r\n\r\n", to: &out)
        if hasBody && !isHead { out.append(contentsOf: response.body) }
    }

    /// `100 Continue`, the interim answer to `Expect: 100-continue`.
    public static let continueBytes: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Appends a literal's bytes with one copy (no per-byte iteration).
    @inline(__always)
    static func append(_ literal: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    @inline(__always)
    static func appendUTF8(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }
}
