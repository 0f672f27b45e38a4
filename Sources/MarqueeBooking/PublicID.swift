import Glibc
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
    /// most 19 and 10 digits); read from the bytes in one pass over a
    /// buffer pointer, since every hold and booking request starts with it
    /// (stepping a `Substring.UTF8View` goes through its generic index).
    static func parse(_ text: String, prefix: StaticString) -> (showtime: Int64, number: UInt32)? {
        var text = text
        return text.withUTF8 { bytes -> (Int64, UInt32)? in
            let prefixCount = prefix.utf8CodeUnitCount
            guard bytes.count > prefixCount, memcmp(bytes.baseAddress!, prefix.utf8Start, prefixCount) == 0,
                  bytes[prefixCount] == UInt8(ascii: "_") else { return nil }
            var index = prefixCount + 1
            guard let showtime = number(bytes, &index, maxDigits: 19), index < bytes.count,
                  bytes[index] == UInt8(ascii: "_") else { return nil }
            index += 1
            guard let number = number(bytes, &index, maxDigits: 10), index == bytes.count,
                  showtime > 0, number > 0, number <= UInt64(UInt32.max), showtime <= UInt64(Int64.max) else { return nil }
            return (Int64(showtime), UInt32(number))
        }
    }

    /// Decimal digits from `index` (1 to `maxDigits`), consumed; nil if none.
    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, maxDigits: Int) -> UInt64? {
        var value: UInt64 = 0
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            guard index - start < maxDigits else { return nil }
            value = value * 10 + UInt64(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        return index == start ? nil : value
    }
}
