import MarqueeHTTP

#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer target for the HTTP parser. Built with
/// `-sanitize=fuzzer,address -DMARQUEE_FUZZ` it runs libFuzzer; built
/// normally it replays the files named on the command line (the seed
/// corpus in Tests/Fuzz/http), so regressions run in every test pass.
///
/// The oracle beyond "no crash": feeding an input whole and feeding it
/// split in two must produce the same events (the parsers are
/// incremental). Every input goes to the HTTP parser and the WebSocket
/// frame parser, without and with permessage-deflate (compressed
/// messages decompressed with the window kept between them).
func checkOneInput(_ data: UnsafeRawBufferPointer) {
    let split = data.count > 1 ? Int(data[0]) % data.count : 0
    let halves = [UnsafeRawBufferPointer(rebasing: data[..<split]), UnsafeRawBufferPointer(rebasing: data[split...])]
    let feeds: [(String, ([UnsafeRawBufferPointer]) -> [String])] = [
        ("HTTP", events(feeding:)), ("WebSocket", { frameEvents(feeding: $0) }),
        ("WebSocket with permessage-deflate", { frameEvents(feeding: $0, deflate: true) }),
    ]
    for (name, feed) in feeds {
        let whole = feed([data])
        let parts = feed(halves)
        if whole != parts {
            print("\(name) parser disagrees with itself when the input is split at \(split):\n  \(whole)\n  \(parts)")
            abort()
        }
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

func events(feeding chunks: [UnsafeRawBufferPointer]) -> [String] {
    var parser = HTTPParser(limits: HTTPLimits(maxHeadBytes: 2048, maxHeaderCount: 20, maxBodyBytes: 4096))
    var seen: [String] = []
    for chunk in chunks {
        parser.append(chunk)
        while let event = parser.next() {
            switch event {
            case .request(let request):
                seen.append("request \(request.head.method) \(request.head.target) \(request.head.headers.count) \(request.body.count) \(request.head.keepAlive)")
            case .continueExpected:
                break  // depends on how much body came with the head
            case .failure(let error):
                seen.append("failure \(error.code)")
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
