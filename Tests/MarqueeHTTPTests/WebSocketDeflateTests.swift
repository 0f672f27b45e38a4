import MarqueeHTTP
import MarqueeTestSupport
import Testing

@Suite("WebSocket permessage-deflate")
struct WebSocketDeflateTests {
    @Test("an offer is accepted with its parameters, or declined when it has one unknown, repeated or out of range",
          arguments: [
        ("permessage-deflate", WebSocketDeflateParameters()),
        ("permessage-deflate; client_max_window_bits", WebSocketDeflateParameters()),
        ("permessage-deflate; client_max_window_bits=12", WebSocketDeflateParameters()),
        ("permessage-deflate; client_no_context_takeover; server_max_window_bits=10",
         WebSocketDeflateParameters(serverMaxWindowBits: 10, clientNoContextTakeover: true)),
        ("permessage-deflate;server_max_window_bits=\"12\"", WebSocketDeflateParameters(serverMaxWindowBits: 12)),
        ("permessage-deflate; server_no_context_takeover", WebSocketDeflateParameters()),
        // zlib cannot make 8-bit windows: that offer is declined, the next taken.
        ("permessage-deflate; server_max_window_bits=8, permessage-deflate; server_max_window_bits=9",
         WebSocketDeflateParameters(serverMaxWindowBits: 9)),
        ("x-webkit-deflate-frame, permessage-deflate", WebSocketDeflateParameters()),
    ] as [(String, WebSocketDeflateParameters)])
    func accepted(offer: String, expected: WebSocketDeflateParameters) {
        #expect(WebSocketDeflateParameters.negotiate(offer) == expected)
    }

    @Test("offers this server cannot honour are declined, and the connection goes on uncompressed",
          arguments: [
        "permessage-deflate; server_max_window_bits=8", "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits", "permessage-deflate; client_max_window_bits=7",
        "permessage-deflate; client_no_context_takeover=1", "permessage-deflate; mystery",
        "permessage-deflate; client_no_context_takeover; client_no_context_takeover", "x-webkit-deflate-frame", "",
    ])
    func declined(offer: String) {
        #expect(WebSocketDeflateParameters.negotiate(offer) == nil)
    }

    @Test("the answer always declares server_no_context_takeover, and echoes what the client asked for")
    func answer() {
        #expect(WebSocketDeflateParameters().responseHeader == "permessage-deflate; server_no_context_takeover")
        #expect(WebSocketDeflateParameters(serverMaxWindowBits: 10, clientNoContextTakeover: true).responseHeader
                == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10")
    }

    static let json = Array((0..<400).map { "{\"seat\":\"F\($0)\",\"state\":\"held\"}" }.joined(separator: ",").utf8)

    @Test("messages round-trip through the deflater and inflater, each compressed on its own",
          arguments: [0, 1, 100, 20_000])
    func roundTrip(size: Int) throws {
        let deflater = WebSocketDeflater()
        let inflater = WebSocketInflater(noContextTakeover: true)
        var random = SystemRandomNumberGenerator()
        for message in [Array(Self.json.prefix(size)), (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) }] {
            let compressed = deflater.compress(message)
            #expect(compressed.suffix(4) != [0, 0, 0xFF, 0xFF], "the flush marker is left off")
            #expect(try inflater.decompress(compressed, limit: 1 << 20).get() == message)
            // Without context kept, the same message compresses the same way twice.
            #expect(deflater.compress(message) == compressed)
        }
        #expect(deflater.compress(Self.json).count * 5 < Self.json.count, "seat JSON compresses well")
    }

    static func masked(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, compressed: Bool = false) -> [UInt8] {
        TestWebSocket.frame(opcode: opcode, payload, fin: fin, compressed: compressed, mask: [0xA1, 0x02, 0xF3, 0x44])
    }

    func events(_ bytes: [UInt8], splitAt split: Int, limit: Int = 256 * 1024) -> [WebSocketParser.Event] {
        var parser = WebSocketParser(maxFrameBytes: limit, maxMessageBytes: limit)
        parser.acceptCompression(noContextTakeover: false)
        var out: [WebSocketParser.Event] = []
        for part in [Array(bytes[..<split]), Array(bytes[split...])] {
            parser.append(part)
            while let event = parser.next() { out.append(event) }
        }
        return out
    }

    @Test("a compressed message (RSV1 on its first frame), fragmented, with a ping between, split at every byte")
    func compressedFragments() {
        let text = Array("Héllo, wörld: ".utf8) + Self.json.prefix(300)
        let compressed = WebSocketDeflater().compress(text)
        let half = compressed.count / 2
        let stream = Self.masked(0x1, Array(compressed[..<half]), fin: false, compressed: true) + Self.masked(0x9, [7])
            + Self.masked(0x0, Array(compressed[half...])) + Self.masked(0x2, [1, 2, 3])
        for split in 0...stream.count {
            #expect(events(stream, splitAt: split) == [.ping([7]), .text(text), .binary([1, 2, 3])], "split at \(split)")
        }
    }

    @Test("a client that keeps its window: the second message refers back into the first (made by Python's zlib)")
    func contextTakeover() {
        // Tests/Fuzz/http/ws-deflate-context-takeover.bin: a compressed resync in two
        // fragments with a ping between, then the same again, five bytes long.
        let stream: [UInt8] = [
            0x41, 0x89, 0x12, 0x34, 0x56, 0x78, 0xB8, 0x62, 0x7C, 0xD1, 0x3E, 0x7C, 0x03, 0xCA, 0x40, 0x89, 0x81, 0x12, 0x34, 0x56,
            0x78, 0x62, 0x80, 0x8A, 0x12, 0x34, 0x56, 0x78, 0x38, 0x7E, 0x7B, 0xD6, 0xDE, 0x7F, 0x00, 0xD2, 0x17, 0x34, 0xC1, 0x85,
            0x12, 0x34, 0x56, 0x78, 0xB8, 0x72, 0x41, 0x78, 0x12,
        ]
        let resync = Array(#"{"type":"resync"}"#.utf8)
        for split in 0...stream.count {
            #expect(events(stream, splitAt: split) == [.ping(Array("p".utf8)), .text(resync), .text(resync)], "split at \(split)")
        }
    }

    @Test("RSV1 off a message's first frame is a protocol error; bad DEFLATE or UTF-8 inside is 1007; too big inflated is 1009")
    func failures() {
        let deflater = WebSocketDeflater()
        func closeCode(_ bytes: [UInt8], limit: Int = 256 * 1024) -> UInt16? {
            if case .failure(let code, _)? = events(bytes, splitAt: 0, limit: limit).last { return code }
            return nil
        }
        let part = deflater.compress(Array("abc".utf8))
        #expect(closeCode(Self.masked(0x1, part, fin: false) + Self.masked(0x0, part, compressed: true)) == 1002)
        #expect(closeCode(Self.masked(0x9, [], compressed: true)) == 1002)
        #expect(closeCode([0xA1, 0x80, 0, 0, 0, 0]) == 1002, "RSV2 stays reserved")
        #expect(closeCode(Self.masked(0x1, [0xFF, 0xFF, 0xFF, 0xFF], compressed: true)) == 1007)
        #expect(closeCode(Self.masked(0x1, deflater.compress([0x61, 0xED, 0xA0, 0x80]), compressed: true)) == 1007)
        // A megabyte of zeros is a few kilobytes compressed: the limit is on what it inflates to.
        let bomb = deflater.compress([UInt8](repeating: 0, count: 1 << 20))
        #expect(bomb.count < 8_000)
        #expect(closeCode(Self.masked(0x2, bomb, compressed: true), limit: 64 * 1024) == 1009)
    }
}
