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
        out.append(contentsOf: version == .http1_0 ? "HTTP/1.0 ".utf8 : "HTTP/1.1 ".utf8)
        appendDecimal(response.status.code, to: &out)
        out.append(32)
        out.append(contentsOf: response.status.reason.utf8)
        out.append(contentsOf: "\r\nDate: ".utf8)
        out.append(contentsOf: date)
        if let contentType = response.contentType {
            out.append(contentsOf: "\r\nContent-Type: ".utf8)
            out.append(contentsOf: contentType.utf8)
        }
        let hasBody = response.status.code >= 200 && response.status.code != 204 && response.status.code != 304
        if hasBody {
            out.append(contentsOf: "\r\nContent-Length: ".utf8)
            appendDecimal(response.body.count, to: &out)
        }
        if !keepAlive {
            out.append(contentsOf: "\r\nConnection: close".utf8)
        } else if version == .http1_0 {
            out.append(contentsOf: "\r\nConnection: keep-alive".utf8)
        }
        if let requestID {
            out.append(contentsOf: "\r\nX-Request-Id: ".utf8)
            out.append(contentsOf: requestID.utf8)
        }
        for field in response.headers {
            out.append(contentsOf: "\r\n".utf8)
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: field.value.utf8)
        }
        out.append(contentsOf: "\r\n\r\n".utf8)
        if hasBody && !isHead { out.append(contentsOf: response.body) }
    }

    /// `100 Continue`, the interim answer to `Expect: 100-continue`.
    public static let continueBytes: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(48 + value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var remaining = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while remaining > 0 {
                buffer[19 - count] = UInt8(48 + remaining % 10)
                remaining /= 10
                count += 1
            }
            out.append(contentsOf: buffer[(20 - count)...])
        }
    }
}
