import MarqueeHTTP
import Testing

@Suite("JSON written as bytes")
struct JSONBufferTests {
    func written(_ write: (inout JSONBuffer) -> Void) -> String {
        var buffer = JSONBuffer()
        write(&buffer)
        #expect(buffer.text == String(decoding: buffer.bytes, as: UTF8.self))
        return buffer.text
    }

    @Test("strings: quote, backslash and control characters escaped, everything else as it is (JSONText.quoted too)")
    func strings() {
        let cases: [(String, String)] = [
            ("", #""""#), ("F7", #""F7""#), (#"say "hi""#, #""say \"hi\"""#), (#"back\slash"#, #""back\\slash""#),
            ("tab\tnew\nline\r", #""tab\tnew\nline\r""#), ("\u{01}\u{1F}", #""\u0001\u001f""#),
            ("\u{7F} é€🎬 \u{2028}", "\"\u{7F} é€🎬 \u{2028}\""),
        ]
        for (text, expected) in cases {
            #expect(written { $0.string(text) } == expected, "\(text.debugDescription)")
            #expect(JSONText.quoted(text) == expected)
        }
        let every = String((1...0x7F).map { Character(Unicode.Scalar(UInt8($0))) })
        let escaped = written { $0.string(every) }
        #expect(escaped.hasPrefix(#""\u0001\u0002"#) && escaped.contains(#"\u0008\t\n\u000b\u000c\r\u000e"#)
                && escaped.contains(##" !\"#$"##) && escaped.contains(#"Z[\\]"#) && escaped.hasSuffix("~\u{7F}\""))
    }

    @Test("timestamps are RFC 3339 in UTC, before 1970 and far ahead too (ISO8601.format the same, unquoted)")
    func timestamps() {
        let cases: [(Int64, String)] = [
            (0, "1970-01-01T00:00:00Z"), (1, "1970-01-01T00:00:01Z"), (59, "1970-01-01T00:00:59Z"), (86_399, "1970-01-01T23:59:59Z"),
            (86_400, "1970-01-02T00:00:00Z"), (951_782_400, "2000-02-29T00:00:00Z"), (1_795_000_000, "2026-11-18T11:06:40Z"),
            (4_102_444_799, "2099-12-31T23:59:59Z"), (-1, "1969-12-31T23:59:59Z"), (-86_400, "1969-12-31T00:00:00Z"),
            (-2_208_988_800, "1900-01-01T00:00:00Z"),
        ]
        for (seconds, expected) in cases {
            #expect(written { $0.timestamp(seconds) } == "\"\(expected)\"")
            #expect(ISO8601.format(seconds) == expected)
        }
    }

    @Test("millisecond timestamps keep three decimals, before 1970 too")
    func millisecondTimestamps() {
        let cases: [(Int64, String)] = [
            (0, "1970-01-01T00:00:00.000Z"), (7, "1970-01-01T00:00:00.007Z"), (1_042, "1970-01-01T00:00:01.042Z"),
            (999, "1970-01-01T00:00:00.999Z"), (1_795_000_000_250, "2026-11-18T11:06:40.250Z"),
            (-1, "1969-12-31T23:59:59.999Z"), (-1_000, "1969-12-31T23:59:59.000Z"), (-1_001, "1969-12-31T23:59:58.999Z"),
        ]
        for (milliseconds, expected) in cases {
            #expect(written { $0.timestamp(milliseconds: milliseconds) } == "\"\(expected)\"")
        }
    }

    @Test("a document longer than the buffer's capacity grows it and keeps every byte; reading it twice gives the same")
    func growth() {
        var buffer = JSONBuffer(capacity: 1)
        var expected = "["
        buffer.raw("[")
        for index in 0..<300 {
            buffer.string("seat-\(index)"); buffer.raw(","); buffer.integer(index * 1_000_003); buffer.raw(",")
            buffer.timestamp(Int64(index) * 86_461)
            expected += "\"seat-\(index)\",\(index * 1_000_003),\"\(ISO8601.format(Int64(index) * 86_461))\""
            if index < 299 { buffer.raw(","); expected += "," }
        }
        buffer.raw("]")
        expected += "]"
        #expect(buffer.text == expected)
        #expect(String(decoding: buffer.bytes, as: UTF8.self) == expected)
        #expect(buffer.bytes == Array(expected.utf8))
    }

    @Test("integers, booleans and structure")
    func numbers() {
        #expect(written {
            $0.raw("[")
            $0.integer(0); $0.raw(","); $0.integer(-42); $0.raw(","); $0.integer(Int64.max); $0.raw(",")
            $0.integer(Int64.min); $0.raw(","); $0.integer(UInt32.max); $0.raw(","); $0.boolean(true); $0.raw(","); $0.boolean(false)
            $0.raw("]")
        } == "[0,-42,9223372036854775807,-9223372036854775808,4294967295,true,false]")
    }
}
