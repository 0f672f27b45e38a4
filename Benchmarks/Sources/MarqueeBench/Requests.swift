/// Request bytes for the scenarios: HTTP/1.1, keep-alive, JSON bodies.
enum Requests {
    static func get(_ path: String, token: String? = nil) -> [UInt8] {
        var head = "GET \(path) HTTP/1.1\r\nHost: bench\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        return Array((head + "\r\n").utf8)
    }

    /// Written as bytes into one array: the load generator shares the two
    /// cores with the server, so each request it makes should cost it little
    /// (string concatenation and Foundation's search were a fifth of its CPU).
    static func send(_ method: String, _ path: String, json: String? = nil, token: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + path.utf8.count + token.utf8.count + (json?.utf8.count ?? 0))
        out.append(contentsOf: method.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: path.utf8)
        out.append(contentsOf: " HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer ".utf8)
        out.append(contentsOf: token.utf8)
        out.append(contentsOf: "\r\n".utf8)
        if let json {
            out.append(contentsOf: "Content-Type: application/json\r\nContent-Length: ".utf8)
            out.append(contentsOf: String(json.utf8.count).utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        if let json { out.append(contentsOf: json.utf8) }
        return out
    }

    /// The string value of `"key":"..."` in a flat JSON answer (no escapes in our ids).
    static func field(_ key: String, in body: [UInt8]) -> String? {
        let needle = Array("\"\(key)\":\"".utf8)
        guard body.count >= needle.count else { return nil }
        // Our answers put "id" first: a plain scan finds it within a few bytes.
        for at in 0...(body.count - needle.count) where body[at] == needle[0] && body[at..<(at + needle.count)].elementsEqual(needle) {
            let start = at + needle.count
            guard let end = body[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
            return String(decoding: body[start..<end], as: UTF8.self)
        }
        return nil
    }
}
