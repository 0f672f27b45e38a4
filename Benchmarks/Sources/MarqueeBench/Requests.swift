/// Request bytes for the scenarios: HTTP/1.1, keep-alive, JSON bodies.
enum Requests {
    static func get(_ path: String, token: String? = nil) -> [UInt8] {
        var head = "GET \(path) HTTP/1.1\r\nHost: bench\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        return Array((head + "\r\n").utf8)
    }

    static func send(_ method: String, _ path: String, json: String? = nil, token: String) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer \(token)\r\n"
        if let json { head += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n" }
        return Array((head + "\r\n" + (json ?? "")).utf8)
    }

    /// The string value of `"key":"..."` in a flat JSON answer (no escapes in our ids).
    static func field(_ key: String, in body: [UInt8]) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        guard let range = text.range(of: "\"\(key)\":\"") else { return nil }
        let rest = text[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}
