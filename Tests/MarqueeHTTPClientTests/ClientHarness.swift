import Dispatch
import MarqueeHTTP
import MarqueeHTTPClient
import MarqueeLoop
import MarqueeTestSupport
import Synchronization
import Testing

/// An `HTTPClient` on a loop of its own thread, as a shard would run it;
/// the test's thread hands it requests and waits for the answers.
final class ClientHarness: @unchecked Sendable {
    let loop: EventLoop
    /// Loop-bound: touched only in jobs run on `loop`.
    private let client: HTTPClient
    private var thread: LoopThread?
    private var isStopped = false

    init(_ configure: (inout HTTPClientConfiguration) -> Void = { _ in }) throws {
        var configuration = HTTPClientConfiguration()
        configuration.caFile = try TestCertificates.shared.get().caFile
        configuration.connectTimeoutMilliseconds = 2_000
        configuration.readTimeoutMilliseconds = 5_000
        configure(&configuration)
        loop = try EventLoop(index: 0)
        client = try HTTPClient(loop: loop, configuration: configuration)
        thread = LoopThread(name: "http-client") { [loop] in loop.run() }
    }

    /// Runs `body` with the client on its loop and waits for it.
    func sync<T: Sendable>(_ body: @escaping @Sendable (HTTPClient) -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<T?>(nil)
        loop.execute { [self] in
            let value = body(client)
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }

    /// Sends `requests` in one turn of the loop, after `before` and before
    /// `after` run there, and returns a wait for every answer (in the order
    /// of the requests); an answer missing after 20 seconds is an issue
    /// and a `.timeout("test")`.
    func submit(_ requests: [HTTPClientRequest],
                before: @escaping @Sendable (HTTPClient) -> Void = { _ in },
                after: @escaping @Sendable (HTTPClient) -> Void = { _ in })
        -> () -> [Result<HTTPClientResponse, HTTPClientError>] {
        let results = Mutex<[Int: Result<HTTPClientResponse, HTTPClientError>]>([:])
        let done = DispatchSemaphore(value: 0)
        sync { client in
            before(client)
            for (index, request) in requests.enumerated() {
                client.execute(request) { result in
                    results.withLock { $0[index] = result }
                    done.signal()
                }
            }
            after(client)
        }
        return {
            for _ in requests {
                if done.wait(timeout: .now() + 20) == .timedOut {
                    Issue.record("no answer within 20 seconds")
                    break
                }
            }
            return results.withLock { answered in
                requests.indices.map { answered[$0] ?? .failure(.timeout("test")) }
            }
        }
    }

    func executeAll(_ requests: [HTTPClientRequest],
                    before: @escaping @Sendable (HTTPClient) -> Void = { _ in },
                    after: @escaping @Sendable (HTTPClient) -> Void = { _ in })
        -> [Result<HTTPClientResponse, HTTPClientError>] {
        submit(requests, before: before, after: after)()
    }

    func execute(_ request: HTTPClientRequest) -> Result<HTTPClientResponse, HTTPClientError> {
        executeAll([request])[0]
    }

    func get(_ url: String, headers: [(String, String)] = []) -> Result<HTTPClientResponse, HTTPClientError> {
        execute(HTTPClientRequest(method: .GET, url: url, headers: headers))
    }

    func post(_ url: String, _ body: String, headers: [(String, String)] = [])
        -> Result<HTTPClientResponse, HTTPClientError> {
        execute(HTTPClientRequest(method: .POST, url: url, headers: headers, body: Array(body.utf8)))
    }

    var statistics: HTTPClientStatistics { sync { $0.statistics } }

    /// Shuts the client down, waits for `done`, ends the loop and returns
    /// how many libuv handles were left open (0 when all closed).
    @discardableResult
    func stop() -> Int {
        guard !isStopped else { return 0 }
        isStopped = true
        let done = DispatchSemaphore(value: 0)
        loop.execute { [self] in
            client.shutdown {
                self.loop.allowExit()
                done.signal()
            }
        }
        if done.wait(timeout: .now() + 20) == .timedOut { Issue.record("shutdown did not finish") }
        thread?.join()
        return loop.close()
    }
}

extension Result where Success == HTTPClientResponse, Failure == HTTPClientError {
    /// The body as text, or a description of the failure.
    var text: String {
        switch self {
        case .success(let response): return String(decoding: response.body, as: UTF8.self)
        case .failure(let error): return "failed: \(error)"
        }
    }

    var status: Int? { try? get().status }

    var error: HTTPClientError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
