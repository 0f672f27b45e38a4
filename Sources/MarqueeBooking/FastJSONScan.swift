/// A cursor over a small JSON body for the request fast paths (holds,
/// checkout): it reads only the shapes they accept, and anything else is a
/// miss that goes to the general parser, which also gives every error.
struct FastJSONScan {
    let body: [UInt8]
    var index = 0

    init(_ body: [UInt8]) { self.body = body }

    mutating func skipSpaces() {
        while index < body.count && (body[index] == 32 || body[index] == 10 || body[index] == 13 || body[index] == 9) { index += 1 }
    }

    /// The byte `character` after optional spaces, consumed.
    mutating func expect(_ character: Unicode.Scalar) -> Bool {
        skipSpaces()
        guard index < body.count && body[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    /// `"name":` after optional spaces, consumed; nothing consumed on a miss.
    mutating func expectKey(_ name: StaticString) -> Bool {
        let saved = index
        let key = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        guard expect("\""), body.count - index > key.count, body[index..<(index + key.count)].elementsEqual(key),
              body[index + key.count] == UInt8(ascii: "\"") else {
            index = saved
            return false
        }
        index += key.count + 1
        guard expect(":") else {
            index = saved
            return false
        }
        return true
    }

    /// A string of `allowed` bytes whose length is in `length`.
    mutating func quoted(allowed: (UInt8) -> Bool, length: ClosedRange<Int>) -> String? {
        guard expect("\"") else { return nil }
        let start = index
        while index < body.count, allowed(body[index]) { index += 1 }
        guard index < body.count, body[index] == UInt8(ascii: "\""), length.contains(index - start) else { return nil }
        index += 1
        return String(decoding: body[start..<index - 1], as: UTF8.self)
    }

    /// A decimal number without sign, leading zero or fraction.
    mutating func digits(maxDigits: Int) -> Int? {
        skipSpaces()
        let start = index
        var value = 0
        while index < body.count, body[index] >= 48, body[index] <= 57, index - start < maxDigits {
            value = value * 10 + Int(body[index] - 48)
            index += 1
        }
        guard index > start, body[start] != 48 || index - start == 1 else { return nil }
        if index < body.count, (body[index] >= 48 && body[index] <= 57) || body[index] == UInt8(ascii: ".")
            || body[index] == UInt8(ascii: "e") || body[index] == UInt8(ascii: "E") { return nil }
        return value
    }

    var atEnd: Bool {
        mutating get {
            skipSpaces()
            return index == body.count
        }
    }
}
