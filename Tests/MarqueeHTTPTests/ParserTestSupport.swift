@testable import MarqueeHTTP

/// What a parser produced, flattened for comparison.
enum Parsed: Equatable, CustomStringConvertible {
    case request(method: String, target: String, body: String, keepAlive: Bool)
    case continueExpected
    case failure(status: Int, code: String)

    var description: String {
        switch self {
        case .request(let method, let target, let body, let keepAlive):
            return "\(method) \(target) body=\(body.debugDescription) keepAlive=\(keepAlive)"
        case .continueExpected: return "100-continue"
        case .failure(let status, let code): return "failure \(status) \(code)"
        }
    }
}

/// Feeds `chunks` in order and collects every event.
func parse(_ chunks: [[UInt8]], limits: HTTPLimits = HTTPLimits(), ignoringContinue: Bool = false) -> [Parsed] {
    var parser = HTTPParser(limits: limits)
    var out: [Parsed] = []
    for chunk in chunks {
        parser.append(chunk)
        while let event = parser.next() {
            switch event {
            case .request(let request):
                out.append(.request(method: request.head.method.rawValue, target: request.head.target,
                                    body: String(decoding: request.body, as: UTF8.self),
                                    keepAlive: request.head.keepAlive))
            case .continueExpected:
                if !ignoringContinue { out.append(.continueExpected) }
            case .failure(let error):
                out.append(.failure(status: error.status.code, code: error.code))
            }
        }
    }
    return out
}

func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) -> [Parsed] {
    parse([Array(text.utf8)], limits: limits)
}

func firstRequest(_ text: String) -> HTTPRequest? {
    var parser = HTTPParser()
    parser.append(Array(text.utf8))
    if case .request(let request) = parser.next() { return request }
    return nil
}
