import MarqueeHTTP

#if canImport(Glibc)
import Glibc
#endif

/// The response parser's fuzz oracle: no crash, and the input fed whole or
/// split in two gives the same events, every field compared (the parser is
/// incremental). Seeds are in Tests/Fuzz/http-responses.
///
/// The input decides how it is read, so the fuzzer explores that too: its
/// first byte picks the split (as for the request parser), and its last
/// byte the requests the responses answer. A last byte below 0x80 (every
/// text seed) means three GET requests; from 0x80 up, bits 0-1 give one to
/// four requests, bits 2-5 make each a HEAD, and bit 6 reports interim 1xx
/// responses. The end of input is always signalled after the bytes, so
/// bodies that run to the close complete.
func fuzzResponseParser(_ bytes: UnsafeRawBufferPointer) {
    let split = bytes.count > 1 ? Int(bytes[0]) % bytes.count : 0
    var methods: [HTTPMethod] = [.GET, .GET, .GET]
    var informational = true
    if let control = bytes.last, control >= 0x80 {
        methods = (0...Int(control & 3)).map { control >> (2 + $0) & 1 == 1 ? .HEAD : .GET }
        informational = control & 0x40 != 0
    }
    let whole = responseEvents(feeding: [bytes], methods: methods, informational: informational)
    let parts = responseEvents(feeding: [UnsafeRawBufferPointer(rebasing: bytes[..<split]),
                                         UnsafeRawBufferPointer(rebasing: bytes[split...])],
                               methods: methods, informational: informational)
    if whole != parts {
        print("response parser disagrees with itself when the input is split at \(split):\n  \(whole)\n  \(parts)")
        fflush(nil)  // abort() drops what stdout still buffers
        abort()
    }
}

/// Every event, each with every field, and the requests left unanswered.
func responseEvents(feeding chunks: [UnsafeRawBufferPointer], methods: [HTTPMethod], informational: Bool) -> [String] {
    var parser = HTTPResponseParser(limits: HTTPLimits(maxHeadBytes: 2048, maxHeaderCount: 20, maxBodyBytes: 4096),
                                    reportingInformational: informational)
    for method in methods { parser.expectResponse(to: method) }
    var seen: [String] = []
    func drain() {
        while let event = parser.next() {
            switch event {
            case .response(let response):
                seen.append("response \(describe(response.head)) body \(response.body) trailers \(describe(response.trailers))")
            case .informational(let head):
                seen.append("interim \(describe(head))")
            case .failure(let error):
                seen.append("failure \(error)")
            }
        }
    }
    for chunk in chunks {
        parser.append(chunk)
        drain()
    }
    parser.endOfInput()
    drain()
    seen.append("unanswered \(parser.outstandingRequests)")
    return seen
}

private func describe(_ head: HTTPResponseHead) -> String {
    "\(head.version) \(head.statusCode) \(head.reasonPhrase.debugDescription) \(describe(head.headers)) keepAlive \(head.keepAlive)"
}

private func describe(_ headers: HTTPHeaders) -> String {
    "[" + headers.map { "\($0.name.debugDescription): \($0.value.debugDescription)" }.joined(separator: ", ") + "]"
}
