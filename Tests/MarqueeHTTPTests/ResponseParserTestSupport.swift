@testable import MarqueeHTTP
import Testing

/// Feeds `chunks` to a response parser expecting responses to `methods`,
/// signals the end of input after them if `ended`, and collects every event.
func feedResponses(_ chunks: [[UInt8]], methods: [HTTPMethod], limits: HTTPLimits = HTTPLimits(),
                   informational: Bool = false, ended: Bool = false) -> [HTTPResponseParserEvent] {
    var parser = HTTPResponseParser(limits: limits, reportingInformational: informational)
    for method in methods { parser.expectResponse(to: method) }
    var events: [HTTPResponseParserEvent] = []
    for chunk in chunks {
        parser.append(chunk)
        while let event = parser.next() { events.append(event) }
    }
    if ended {
        parser.endOfInput()
        while let event = parser.next() { events.append(event) }
    }
    return events
}

/// Parses `text` whole, then split in two at every byte position, then
/// byte by byte, and checks that every way gives the same events, every
/// field compared; returns the whole parse's summaries.
func parsedResponses(_ text: String, methods: [HTTPMethod] = [.GET], limits: HTTPLimits = HTTPLimits(),
                     informational: Bool = false, ended: Bool = false,
                     sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
    let bytes = Array(text.utf8)
    let whole = feedResponses([bytes], methods: methods, limits: limits, informational: informational, ended: ended)
    let expected = whole.map(\.fingerprint)
    for split in 0...bytes.count {
        let parts = feedResponses([Array(bytes[..<split]), Array(bytes[split...])], methods: methods, limits: limits,
                                  informational: informational, ended: ended)
        #expect(parts.map(\.fingerprint) == expected, "split at \(split) of \(text.debugDescription)",
                sourceLocation: sourceLocation)
    }
    let single = feedResponses(bytes.map { [$0] }, methods: methods, limits: limits, informational: informational, ended: ended)
    #expect(single.map(\.fingerprint) == expected, "byte by byte: \(text.debugDescription)", sourceLocation: sourceLocation)
    return whole.map(\.summary)
}

/// The first final response in `text`, parsed whole.
func firstResponse(_ text: String, method: HTTPMethod = .GET, ended: Bool = false) -> HTTPReceivedResponse? {
    for event in feedResponses([Array(text.utf8)], methods: [method], ended: ended) {
        if case .response(let response) = event { return response }
    }
    return nil
}

extension HTTPResponseParserEvent {
    /// Status, body and reuse, or the error's code: what most tests check.
    var summary: String {
        switch self {
        case .response(let response):
            let body = String(decoding: response.body, as: UTF8.self)
            return "\(response.head.statusCode) \(body.debugDescription) \(response.head.keepAlive ? "keep-alive" : "close")"
        case .informational(let head):
            return "\(head.statusCode) interim"
        case .failure(let error):
            return "failure \(error.code)"
        }
    }

    /// Every field, for comparing one way of feeding with another.
    var fingerprint: String {
        func fields(_ headers: HTTPHeaders) -> String { headers.map { "\($0.name)=\($0.value)" }.joined(separator: "|") }
        switch self {
        case .response(let response):
            let head = response.head
            return "response \(head.version) \(head.statusCode) \(head.reasonPhrase.debugDescription) "
                + "[\(fields(head.headers))] \(response.body) [\(fields(response.trailers))] \(head.keepAlive)"
        case .informational(let head):
            return "interim \(head.version) \(head.statusCode) \(head.reasonPhrase.debugDescription) [\(fields(head.headers))]"
        case .failure(let error):
            return "failure \(error)"
        }
    }
}
