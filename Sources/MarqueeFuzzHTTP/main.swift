import MarqueeHTTP

#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer target for the HTTP parser. Built with
/// `-sanitize=fuzzer,address -DMARQUEE_FUZZ` it runs libFuzzer; built
/// normally it replays the files named on the command line (the seed
/// corpus in Tests/Fuzz/http and Tests/Fuzz/http-responses), so regressions run in every test pass.
///
/// The oracle beyond "no crash": feeding an input whole and feeding it
/// split in two must produce the same events (the parsers are
/// incremental): for HTTP, the same requests (method, target, version,
/// every header name and value in order, body bytes, keep-alive, whether
/// 100-continue was asked) and the same failures (status and code). Every
/// input goes to the HTTP parser and the WebSocket frame parser, without
/// and with permessage-deflate (compressed messages decompressed with the
/// window kept between them), and to the client's response parser
/// (ResponseFuzzing.swift).
func checkOneInput(_ data: UnsafeRawBufferPointer) {
    fuzzResponseParser(data)
    let split = data.count > 1 ? Int(data[0]) % data.count : 0
    let halves = [UnsafeRawBufferPointer(rebasing: data[..<split]), UnsafeRawBufferPointer(rebasing: data[split...])]
    agree("HTTP", split: split, whole: events(feeding: [data]), parts: events(feeding: halves))
    agree("WebSocket", split: split, whole: frameEvents(feeding: [data]), parts: frameEvents(feeding: halves))
    agree("WebSocket with permessage-deflate", split: split,
          whole: frameEvents(feeding: [data], deflate: true), parts: frameEvents(feeding: halves, deflate: true))
}

func agree<Event: Equatable>(_ name: String, split: Int, whole: [Event], parts: [Event]) {
    if whole != parts {
        print("\(name) parser disagrees with itself when the input is split at \(split):\n  \(whole)\n  \(parts)")
        fflush(nil)  // abort() does not flush: into a pipe or a log the message would be lost
        abort()
    }
}

func frameEvents(feeding chunks: [UnsafeRawBufferPointer], deflate: Bool = false) -> [String] {
    var parser = WebSocketParser(maxFrameBytes: 4096, maxMessageBytes: 8192)
    if deflate { parser.acceptCompression(noContextTakeover: false) }
    var seen: [String] = []
    for chunk in chunks {
        parser.append(chunk)
        while let event = parser.next() { seen.append("\(event)") }
    }
    return seen
}

/// Everything a parsed request carries, as values that compare exactly:
/// header names and values as their UTF-8 bytes in arrival order (String's
/// `==` would equate canonically equivalent spellings; a byte that is not
/// UTF-8 reads as U+FFFD on both sides, the parser's public view).
struct ParsedRequest: Equatable, CustomStringConvertible {
    let method: String
    let target: String
    let version: HTTPVersion
    let headers: [[UInt8]]
    let body: [UInt8]
    let keepAlive: Bool
    let expectsContinue: Bool

    init(_ request: HTTPRequest) {
        method = request.head.method.rawValue
        target = request.head.target
        version = request.head.version
        headers = request.head.headers.flatMap { [Array($0.name.utf8), Array($0.value.utf8)] }
        body = request.body
        keepAlive = request.head.keepAlive
        expectsContinue = request.head.expectsContinue
    }

    var description: String {
        let fields = stride(from: 0, to: headers.count, by: 2).map {
            "\(String(decoding: headers[$0], as: UTF8.self)): \(String(decoding: headers[$0 + 1], as: UTF8.self))"
        }
        return "\(method) \(target) \(version) headers \(fields) body \(body.count) bytes \(body.prefix(64)) "
            + "keepAlive \(keepAlive) expectsContinue \(expectsContinue)"
    }
}

enum ParsedEvent: Equatable {
    case request(ParsedRequest)
    /// A failure by what the client is answered: status and code. Not the
    /// message: it names the first fault the parser has seen, and a split
    /// input may show it a different one first (a chunk line still without
    /// its end reads as a bad size; whole, its bad extension comes first).
    case failure(status: Int, code: String)
}

func events(feeding chunks: [UnsafeRawBufferPointer]) -> [ParsedEvent] {
    var parser = HTTPParser(limits: HTTPLimits(maxHeadBytes: 2048, maxHeaderCount: 20, maxBodyBytes: 4096))
    var seen: [ParsedEvent] = []
    for chunk in chunks {
        parser.append(chunk)
        while let event = parser.next() {
            switch event {
            case .request(let request):
                seen.append(.request(ParsedRequest(request)))
            case .continueExpected:
                break  // depends on how much body came with the head
            case .failure(let error):
                seen.append(.failure(status: error.status.code, code: error.code))
            }
        }
    }
    return seen
}

#if MARQUEE_FUZZ
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    checkOneInput(UnsafeRawBufferPointer(start: bytes, count: size))
    return 0
}

@_cdecl("MarqueeFuzzHTTP_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { bytes, size in
        checkOneInput(UnsafeRawBufferPointer(start: bytes, count: size))
        return 0
    }
}
#else
@main
struct ReplayCorpus {
    static func main() {
        var replayed = 0
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else {
                print("cannot open \(path)")
                exit(2)
            }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let read = fread(&chunk, 1, chunk.count, file)
                if read <= 0 { break }
                bytes.append(contentsOf: chunk[..<read])
            }
            fclose(file)
            bytes.withUnsafeBytes { checkOneInput($0) }
            replayed += 1
        }
        print("replayed \(replayed) inputs through the HTTP and WebSocket parsers: no crash, split and whole agree")
    }
}
#endif
