import Foundation
@testable import MarqueeServer
import Testing

@Suite("JSON body strings")
struct JSONBodyTrimTests {
    @Test("trimming skips Foundation only for visible ASCII ends, with the same result for every white-space scalar")
    func trimmedMatchesFoundation() {
        // Every scalar Foundation counts as white space or newline, and some it does not.
        var ends: [Unicode.Scalar] = (0...0x3000).compactMap(Unicode.Scalar.init).filter {
            CharacterSet.whitespacesAndNewlines.contains($0)
        }
        #expect(ends.count > 20)
        ends += ["a", "7", "~", "!", "\u{7F}", "\u{200B}", "\u{FEFF}", "\u{00AD}", "é"]
        for end in ends {
            for text in ["\(end)x", "x\(end)", "\(end)x y\(end)", "\(end)", "x"] {
                #expect(JSONBody.trimmed(text) == text.trimmingCharacters(in: .whitespacesAndNewlines),
                        "U+\(String(end.value, radix: 16)) in \(text.debugDescription)")
            }
        }
        #expect(JSONBody.trimmed("") == "")
    }
}
