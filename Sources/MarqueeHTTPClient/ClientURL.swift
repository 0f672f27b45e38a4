/// An absolute http or https URL split into what a connection needs: the
/// pool key's parts and the request target. Strict: no user info, a port
/// in 1...65535, and no byte in the target that could end the request line.
struct ClientURL: Equatable {
    enum Scheme: String, Sendable {
        case http, https
        var defaultPort: Int { self == .https ? 443 : 80 }
    }

    let scheme: Scheme
    /// A name, or an IP literal (IPv6 without its brackets).
    let host: String
    let port: Int
    /// The origin-form target: path and query, never empty.
    let target: String

    init(parsing text: String) throws(HTTPClientError) {
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else {
            throw .invalidURL("no scheme in \"\(text)\"")
        }
        guard let scheme = Scheme(rawValue: text[..<colon].lowercased()) else {
            throw .invalidURL("only http and https URLs are supported: \"\(text)\"")
        }
        var rest = text[colon...].dropFirst(3)
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if target.isEmpty || target.first == "?" { target = "/" + target }
        guard !authority.contains("@") else { throw .invalidURL("user information in \"\(text)\"") }
        guard target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidURL("a space or control character in the path of \"\(text)\"")
        }

        var host: Substring
        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL("unclosed IPv6 literal in \"\(text)\"") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw .invalidURL("bytes after the IPv6 literal in \"\(text)\"") }
                portText = after.dropFirst()
            }
            guard host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }), host.contains(":") else {
                throw .invalidURL("not an IPv6 literal in \"\(text)\"")
            }
        } else {
            host = authority
            if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            }
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") })
            else { throw .invalidURL("invalid host in \"\(text)\"") }
        }
        guard !host.isEmpty else { throw .invalidURL("no host in \"\(text)\"") }
        var port = scheme.defaultPort
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCII),
                  let parsed = Int(portText), (1...65535).contains(parsed)
            else { throw .invalidURL("invalid port in \"\(text)\"") }
            port = parsed
        }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
        self.target = target
    }

    /// The `Host` field: the port only when it is not the scheme's default.
    var hostField: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == scheme.defaultPort ? name : "\(name):\(port)"
    }
}

/// A pool's identity: requests to the same key may share connections.
struct PoolKey: Hashable {
    let scheme: ClientURL.Scheme
    let host: String
    let port: Int

    init(_ url: ClientURL) {
        scheme = url.scheme
        host = url.host
        port = url.port
    }

    /// Where a TLS session for this peer is kept for resumption.
    var resumptionKey: String { "\(host):\(port)" }
}
