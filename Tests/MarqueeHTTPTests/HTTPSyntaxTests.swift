@testable import MarqueeHTTP
import Testing

@Suite("HTTP character classes")
struct HTTPSyntaxTests {
    @Test("token characters are exactly RFC 9110's tchar, for every byte")
    func tokenChars() {
        let tchar = Set(Array("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8))
        for byte in UInt8.min...UInt8.max {
            #expect(HTTPSyntax.isTokenChar(byte) == tchar.contains(byte), "byte \(byte)")
        }
    }

    @Test("a field value is checked eight bytes at a time with the same answer as byte by byte, at every offset and length")
    func fieldValueWords() {
        // Mostly valid text and obs-text, with controls, tabs and DEL sprinkled in.
        var generator = SystemRandomNumberGenerator()
        let rare: [UInt8] = [0, 9, 10, 13, 31, 127, 128, 255]
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...40, using: &generator)
            let bytes = (0..<count).map { _ in
                Int.random(in: 0..<12, using: &generator) == 0 ? rare.randomElement(using: &generator)!
                    : UInt8.random(in: 32...126, using: &generator)
            }
            bytes.withUnsafeBufferPointer { buffer in
                for from in 0...count {
                    for to in from...count {
                        let expected = buffer[from..<to].allSatisfy(HTTPSyntax.isFieldValueChar)
                        #expect(HTTPSyntax.allFieldValueChars(buffer, from: from, to: to) == expected, "\(bytes) \(from)..<\(to)")
                    }
                }
            }
        }
    }
}
