import MarqueeHTTP
import Testing

@Suite("JSON written as bytes")
struct JSONBufferTests {
    func written(_ write: (inout JSONBuffer) -> Void) -> String {
        var buffer = JSONBuffer()
        write(&buffer)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    @Test("strings escape exactly as JSONText.quoted does, multi-byte UTF-8 included")
    func strings() {
        var every = String((1...0x7F).map { Character(Unicode.Scalar(UInt8($0))) })
        every += "é€🎬 \u{2028}"
        for text in ["", "F7", "say \"hi\"", "back\\slash", "tab\tnew\nline\r", every] {
            #expect(written { $0.string(text) } == JSONText.quoted(text), "\(text.debugDescription)")
        }
    }

    @Test("timestamps are the same text as ISO8601.format, before 1970 and far ahead too")
    func timestamps() {
        for seconds: Int64 in [0, 1, 59, 86_399, 86_400, 951_782_400, 1_795_000_000, 4_102_444_799, -1, -86_400, -2_208_988_800] {
            #expect(written { $0.timestamp(seconds) } == "\"\(ISO8601.format(seconds))\"")
        }
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
