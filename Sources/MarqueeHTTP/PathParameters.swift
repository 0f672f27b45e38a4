/// The values a route pattern's `{name}` segments captured, percent-decoded.
public struct PathParameters: Sendable {
    // The first pair inline: most routes have one parameter, and an array
    // for it was an allocation per request.
    private var first: (name: String, value: String)?
    private var others: [(name: String, value: String)] = []

    public init() {}

    mutating func append(name: String, value: String) {
        if first == nil { first = (name, value) } else { others.append((name, value)) }
    }

    public subscript(name: String) -> String? {
        if let first, first.name == name { return first.value }
        return others.first { $0.name == name }?.value
    }

    /// The parameter as an id; the router has already checked `{name:int}` ones.
    public func id(_ name: String) -> Int64? {
        self[name].flatMap(Self.parseID)
    }

    static func parseID(_ text: String) -> Int64? {
        guard let first = text.utf8.first, first != UInt8(ascii: "0"), text.utf8.count <= 19,
              text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int64(text)
    }

    /// RFC 3986 percent-decoding; nil for a bad escape or invalid UTF-8.
    static func percentDecode(_ text: Substring) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(HTTPSyntax.hexValue),
                      let low = iterator.next().flatMap(HTTPSyntax.hexValue) else { return nil }
                bytes.append(UInt8(high << 4 | low))
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
