import ArgumentParser
import Glibc
import MarqueeHTTP
import MarqueeLoop

/// `marquee healthcheck`: asks a running server's `/healthz` over loopback
/// and exits 0 when it answers 200, 1 otherwise. The image's HEALTHCHECK
/// runs it, since the runtime image has no curl. Liveness only: `/readyz`
/// would mark every container unhealthy during one database blip, and the
/// container engine would restart healthy processes for it.
struct HealthcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck", abstract: "Exit 0 when the server on this machine answers GET /healthz with 200.")

    @Option(help: "Port the server listens on (default: PORT, else 8080).") var port: Int?
    @Option(help: "Address to ask.") var host = "127.0.0.1"
    @Option(help: "Path to ask.") var path = "/healthz"
    @Option(help: "Milliseconds to wait for the whole answer.") var timeoutMs: UInt64 = 3_000

    func run() throws {
        let port = port ?? getenv("PORT").flatMap { Int(String(cString: $0)) } ?? 8080
        let outcome = try HealthProbe.ask(host: host, port: port, path: path, timeoutMilliseconds: timeoutMs)
        switch outcome {
        case .success(let status) where status == 200:
            print("healthy: \(path) answered 200")
        case .success(let status):
            print("unhealthy: \(path) answered \(status)")
            throw ExitCode(1)
        case .failure(let reason):
            print("unhealthy: \(reason)")
            throw ExitCode(1)
        }
    }
}

/// One GET over one connection on a loop of its own, with a deadline.
enum HealthProbe {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func ask(host: String, port: Int, path: String, timeoutMilliseconds: UInt64) throws -> Result<Int, Failure> {
        let loop = try EventLoop(index: 0)
        let outcome = OutcomeBox()
        loop.execute {
            let timer = LoopTimer(loop: loop)
            var connection: TCPConnection?
            var finished = false
            func finish(_ result: Result<Int, Failure>) {
                guard !finished else { return }
                finished = true
                outcome.value = result
                timer.close()
                connection?.close()
                loop.allowExit()
            }
            timer.start(after: timeoutMilliseconds) { finish(.failure(Failure(description: "no answer within \(timeoutMilliseconds) ms"))) }
            TCPConnection.connect(loop: loop, host: host, port: port) { connected in
                switch connected {
                case .failure(let error):
                    finish(.failure(Failure(description: "cannot connect to \(host):\(port): \(error)")))
                case .success(let opened):
                    guard !finished else { return opened.close() }
                    connection = opened
                    var parser = HTTPResponseParser()
                    parser.expectResponse(to: .GET)
                    func drain() {
                        switch parser.next() {
                        case .response(let response)?: finish(.success(response.head.statusCode))
                        case .failure(let error)?: finish(.failure(Failure(description: "unreadable answer: \(error)")))
                        case .informational?, nil: break
                        }
                    }
                    opened.onRead = { bytes in
                        parser.append(bytes)
                        drain()
                    }
                    opened.onReadEnd = { _ in
                        parser.endOfInput()
                        drain()
                        finish(.failure(Failure(description: "the server closed the connection without an answer")))
                    }
                    opened.startReading()
                    opened.write(Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8))
                }
            }
        }
        loop.run()
        _ = loop.close()
        return outcome.value
    }

    /// The job runs on this thread (`loop.run()` below), so nothing reads
    /// or writes it concurrently; the box only carries the answer out of
    /// the `@Sendable` job.
    private final class OutcomeBox: @unchecked Sendable {
        var value: Result<Int, Failure> = .failure(Failure(description: "no answer"))
    }
}
