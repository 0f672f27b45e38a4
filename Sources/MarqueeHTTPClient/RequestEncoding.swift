import MarqueeHTTP

/// The bytes of a request on the wire: request line, `Host`, the caller's
/// fields, `Content-Length` and the body, in one buffer for one write.
enum RequestEncoding {
    static func encode(_ request: HTTPClientRequest, url: ClientURL, closeAfter: Bool) throws(HTTPClientError) -> [UInt8] {
        var head = "\(request.method.rawValue) \(url.target) HTTP/1.1\r\n"
        if !request.headers.contains(where: { $0.0.lowercased() == "host" }) {
            head += "Host: \(url.hostField)\r\n"
        }
        for (name, value) in request.headers {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else {
                throw .invalidRequest("invalid header field name \"\(name)\"")
            }
            guard value.utf8.allSatisfy({ $0 == 9 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw .invalidRequest("a control character in the value of \(name)")
            }
            // The client frames the body itself.
            let lower = name.lowercased()
            if lower == "content-length" || lower == "transfer-encoding" { continue }
            head += "\(name): \(value)\r\n"
        }
        if closeAfter { head += "Connection: close\r\n" }
        if !request.body.isEmpty || request.method == .POST || request.method == .PUT || request.method == .PATCH {
            head += "Content-Length: \(request.body.count)\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        bytes.append(contentsOf: request.body)
        return bytes
    }

    /// RFC 9110 tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}
