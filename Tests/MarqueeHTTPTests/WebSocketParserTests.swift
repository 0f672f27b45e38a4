import MarqueeHTTP
import MarqueeTestSupport
import Testing

@Suite("WebSocket frames")
struct WebSocketParserTests {
    /// A masked client frame (the test client's encoder).
    static func masked(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
        TestWebSocket.frame(opcode: opcode, payload, fin: fin, mask: [0xA1, 0x02, 0xF3, 0x44])
    }

    func events(_ bytes: [UInt8], splitAt split: Int? = nil, parser: WebSocketParser = WebSocketParser()) -> [WebSocketParser.Event] {
        var parser = parser
        var out: [WebSocketParser.Event] = []
        let parts = split.map { [Array(bytes[..<$0]), Array(bytes[$0...])] } ?? bytes.map { [$0] }
        for part in parts {
            parser.append(part)
            while let event = parser.next() { out.append(event) }
        }
        return out
    }

    @Test("a fragmented text with a ping between fragments, and a binary message, split at every byte")
    func fragmentsAtEverySplit() {
        let stream = Self.masked(0x1, Array("Héllo, ".utf8), fin: false) + Self.masked(0x9, [1, 2])
            + Self.masked(0x0, Array("wörld".utf8)) + Self.masked(0x2, Array(repeating: 7, count: 300))
            + Self.masked(0x8, [0x03, 0xE8] + Array("bye".utf8))
        let expected: [WebSocketParser.Event] = [.ping([1, 2]), .text(Array("Héllo, wörld".utf8)),
                                                 .binary(Array(repeating: 7, count: 300)), .close(code: 1000, reason: Array("bye".utf8))]
        for split in 0...stream.count {
            #expect(events(stream, splitAt: split) == expected, "split at \(split)")
        }
        #expect(events(stream) == expected, "byte by byte")
    }

    @Test("64 KiB frames use the 8-byte length; the encoder's lengths round-trip")
    func lengths() {
        let big = Array(repeating: UInt8(65), count: 70_000)
        #expect(events(Self.masked(0x2, big), parser: WebSocketParser(maxFrameBytes: 100_000, maxMessageBytes: 100_000)) == [.binary(big)])
        for count in [0, 125, 126, 65_535, 65_536] {
            let frame = WebSocketEncoder.frame(.binary, Array(repeating: 1, count: count))
            let header = count < 126 ? 2 : count <= 65_535 ? 4 : 10
            #expect(frame.count == header + count)
            #expect(frame[0] == 0x82)
        }
    }

    @Test("protocol errors close with 1002, bad UTF-8 with 1007 (as soon as seen, across fragments), size with 1009",
          arguments: [
        ([0x81, 0x02, 0x68, 0x69], UInt16(1002)),  // unmasked client frame
        (masked(0x3, []), 1002),  // reserved opcode
        ([0xC1, 0x80, 0, 0, 0, 0], 1002),  // RSV1 without an extension
        (masked(0x9, [], fin: false), 1002),  // fragmented ping
        (masked(0x9, Array(repeating: 0, count: 126)), 1002),  // control frame over 125
        (masked(0x0, [1]), 1002),  // continuation with nothing to continue
        (masked(0x1, [0x61], fin: false) + masked(0x1, [0x62]), 1002),  // new message inside one
        (masked(0x8, [0x03]), 1002),  // one-byte close payload
        (masked(0x8, [0x03, 0xED]), 1002),  // close code 1005 may not be sent
        (masked(0x1, [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xED, 0xA0, 0x80]), 1007),  // a surrogate
        (masked(0x1, [0xF4], fin: false) + masked(0x0, [0x90, 0x80, 0x80]), 1007),  // past U+10FFFF across fragments
        (masked(0x1, [0xE2, 0x82]), 1007),  // ends inside a character
        (masked(0x8, [0x03, 0xE8, 0xFF]), 1007),  // close reason not UTF-8
        (masked(0x2, Array(repeating: 0, count: 70_000)), 1009),
    ] as [([UInt8], UInt16)])
    func failures(bytes: [UInt8], code: UInt16) {
        let got = events(bytes, splitAt: bytes.count / 2)
        guard case .failure(let failed, _)? = got.last else {
            Issue.record("no failure: \(got)")
            return
        }
        #expect(failed == code)
    }

    @Test("nothing is read after a close or a failure")
    func stopsAfterClose() {
        #expect(events(Self.masked(0x8, []) + Self.masked(0x1, [0x61])) == [.close(code: nil, reason: [])])
    }
}
