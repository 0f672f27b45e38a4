/// Decimal numbers and RFC 3339 times as ASCII in a buffer on the stack,
/// handed to `body`: each writer (an array, `JSONBuffer`) then copies them
/// once into its own storage, with no intermediate `String`.
enum ASCIIFormat {
    /// `value` in decimal, with a '-' if negative.
    static func decimal<R>(_ value: Int64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var text: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 20 digits and a sign, written backwards
        return withUnsafeMutableBytes(of: &text) { out in
            let start = writeDecimal(value, endingAt: out.count, in: out)
            return body(UnsafeRawBufferPointer(rebasing: out[start...]))
        }
    }

    /// `seconds` since 1970 as RFC 3339 in UTC: "2026-11-25T20:00:00Z", or
    /// with `milliseconds` (0-999) "2026-11-25T20:00:00.042Z".
    static func rfc3339<R>(_ seconds: Int64, milliseconds: Int? = nil, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let secondsOfDay = Int(seconds - Int64(days) * 86_400)
        let (year, month, day) = HTTPDate.civil(fromDays: days)
        // The year's digits end at 24, then "-MM-DDTHH:MM:SS" (15 bytes),
        // ".mmm" if asked for and "Z".
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &text) { out in
            let start = writeDecimal(Int64(year), endingAt: 24, in: out)
            two(out, 24, "-", month)
            two(out, 27, "-", day)
            two(out, 30, "T", secondsOfDay / 3600)
            two(out, 33, ":", secondsOfDay / 60 % 60)
            two(out, 36, ":", secondsOfDay % 60)
            var end = 39
            if let milliseconds {
                out[39] = UInt8(ascii: ".")
                out[40] = UInt8(ascii: "0") + UInt8(milliseconds / 100)
                out[41] = UInt8(ascii: "0") + UInt8(milliseconds / 10 % 10)
                out[42] = UInt8(ascii: "0") + UInt8(milliseconds % 10)
                end = 43
            }
            out[end] = UInt8(ascii: "Z")
            return body(UnsafeRawBufferPointer(rebasing: out[start...end]))
        }
    }

    /// `milliseconds` since 1970 as RFC 3339 in UTC with three decimals
    /// ("2026-11-25T20:00:00.042Z"), before 1970 too.
    static func rfc3339<R>(milliseconds: Int64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1_000)
        let negative = fraction < 0
        return rfc3339(negative ? seconds - 1 : seconds, milliseconds: Int(negative ? fraction + 1_000 : fraction), body)
    }

    /// A separator and two digits at `at` (inlined: a call each was a
    /// third of a timestamp's instructions).
    @inline(__always)
    private static func two(_ out: UnsafeMutableRawBufferPointer, _ at: Int, _ separator: Unicode.Scalar, _ value: Int) {
        out[at] = UInt8(ascii: separator)
        out[at + 1] = UInt8(ascii: "0") + UInt8(value / 10)
        out[at + 2] = UInt8(ascii: "0") + UInt8(value % 10)
    }

    /// Writes `value` so that it ends just before `end`; returns where it starts.
    private static func writeDecimal(_ value: Int64, endingAt end: Int, in out: UnsafeMutableRawBufferPointer) -> Int {
        var magnitude = value.magnitude
        var start = end
        repeat {
            start -= 1
            out[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        if value < 0 {
            start -= 1
            out[start] = UInt8(ascii: "-")
        }
        return start
    }
}

extension [UInt8] {
    /// Decimal digits of `value`, without an intermediate `String`.
    public mutating func appendDecimal(_ value: Int64) {
        ASCIIFormat.decimal(value) { append(contentsOf: $0) }
    }

    /// `seconds` since 1970 as RFC 3339 in UTC ("2026-11-25T20:00:00Z").
    public mutating func appendRFC3339(_ seconds: Int64) {
        ASCIIFormat.rfc3339(seconds) { append(contentsOf: $0) }
    }

    /// `milliseconds` since 1970 as RFC 3339 in UTC with three decimals
    /// ("2026-11-25T20:00:00.042Z").
    public mutating func appendRFC3339(milliseconds: Int64) {
        ASCIIFormat.rfc3339(milliseconds: milliseconds) { append(contentsOf: $0) }
    }
}
