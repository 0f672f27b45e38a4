import MarqueeHTTP

/// Hold and booking ids as clients see them: `hld_<showtime>_<n>` and
/// `bkg_<showtime>_<n>`. The showtime inside routes a request to its owner
/// shard without a lookup; `n` is the number in the seat words.
enum PublicID {
    static func hold(_ showtime: Int64, _ number: UInt32) -> String { "hld_\(showtime)_\(number)" }

    /// The same ids, quoted, into a JSON answer.
    static func writeHold(_ showtime: Int64, _ number: UInt32, to out: inout JSONBuffer) { write("\"hld_", showtime, number, to: &out) }
    static func writeBooking(_ showtime: Int64, _ number: UInt32, to out: inout JSONBuffer) { write("\"bkg_", showtime, number, to: &out) }

    private static func write(_ opening: StaticString, _ showtime: Int64, _ number: UInt32, to out: inout JSONBuffer) {
        out.raw(opening)
        out.integer(showtime)
        out.raw("_")
        out.integer(number)
        out.raw("\"")
    }

    /// `<prefix>_<showtime>_<n>` with both numbers positive decimal (at
    /// most 19 and 10 digits); read from the bytes in one pass, since every
    /// hold and booking request starts with it.
    static func parse(_ text: String, prefix: String) -> (showtime: Int64, number: UInt32)? {
        var bytes = text.utf8[...]
        guard bytes.starts(with: prefix.utf8) else { return nil }
        bytes = bytes.dropFirst(prefix.utf8.count)
        guard bytes.first == UInt8(ascii: "_") else { return nil }
        bytes = bytes.dropFirst()
        guard let showtime = number(&bytes, maxDigits: 19), bytes.first == UInt8(ascii: "_") else { return nil }
        bytes = bytes.dropFirst()
        guard let number = number(&bytes, maxDigits: 10), bytes.isEmpty,
              showtime > 0, number > 0, number <= UInt64(UInt32.max), showtime <= UInt64(Int64.max) else { return nil }
        return (Int64(showtime), UInt32(number))
    }

    /// Leading decimal digits (1 to `maxDigits`), consumed; nil if none.
    private static func number(_ bytes: inout Substring.UTF8View, maxDigits: Int) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        while let byte = bytes.first, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            digits += 1
            guard digits <= maxDigits else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
            bytes = bytes.dropFirst()
        }
        return digits == 0 ? nil : value
    }
}
