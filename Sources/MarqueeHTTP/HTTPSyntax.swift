/// Character classes of RFC 9110 section 5.6, as byte tests.
enum HTTPSyntax {
    /// tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
    /// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    /// (two 64-bit masks, bit n for byte n: a shift and a test per byte).
    static func isTokenChar(_ byte: UInt8) -> Bool {
        byte < 64 ? tokenMaskLow >> byte & 1 == 1 : byte < 128 && tokenMaskHigh >> (byte - 64) & 1 == 1
    }

    // Literal initializers, so the masks are initialized statically: built
    // from the characters they were lazy globals, a `swift_once` check on
    // every byte of every header name. HTTPSyntaxTests checks every byte
    // against the characters listed above.
    /// `!#$%&'*+-.0123456789`
    static let tokenMaskLow: UInt64 = 0x03FF_6CFA_0000_0000
    /// `ABCDEFGHIJKLMNOPQRSTUVWXYZ^_` + "`" + `abcdefghijklmnopqrstuvwxyz|~`
    static let tokenMaskHigh: UInt64 = 0x57FF_FFFF_C7FF_FFFE

    /// field-vchar, SP and HTAB; obs-text (0x80...) is allowed, CTLs are not.
    static func isFieldValueChar(_ byte: UInt8) -> Bool {
        byte == 9 || (byte >= 32 && byte != 127)
    }

    /// Whether every byte of `bytes[from..<to]` passes `isFieldValueChar`,
    /// eight at a time: a word with no byte below 0x20 and none equal to
    /// 0x7F passes whole (the classic has-less-than and has-zero-byte
    /// tests); one with either goes byte by byte (a tab is allowed).
    static func allFieldValueChars(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = from
        while end - index >= 8 {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let control = (word &- 0x20 &* ones) & ~word & highs
            let delete = word ^ (0x7F &* ones)
            if control | ((delete &- ones) & ~delete & highs) != 0 {
                for position in index..<index + 8 where !isFieldValueChar(base[position]) { return false }
            }
            index += 8
        }
        while index < end {
            if !isFieldValueChar(base[index]) { return false }
            index += 1
        }
        return true
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: return Int(byte - 48)
        case 65...70: return Int(byte - 55)
        case 97...102: return Int(byte - 87)
        default: return nil
        }
    }

    /// 1*DIGIT without sign or spaces, refusing values that would overflow.
    static func parseDecimal<Bytes: Collection<UInt8>>(_ text: Bytes) -> Int? {
        guard !text.isEmpty, text.count <= 18 else { return nil }
        var value = 0
        for byte in text {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (OWS).
    var trimmingSpaces: Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
