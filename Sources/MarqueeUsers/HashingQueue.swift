import MarqueeHTTP
import MarqueeLoop

/// At most one password hash in flight per shard; the rest wait, logins and
/// sign-ups in separate, bounded lines.
/// scrypt is meant to be expensive: unbounded, a burst of logins would take
/// every core from the event loops (on a 2-core machine, measured: /healthz
/// fell to 0.45 of its rate). One niced pool job per shard keeps the loops'
/// share of the CPU, and login throughput is bounded by design anyway.
/// Sign-up is anonymous, so its line is short and refused past its bound
/// (503 at once beats a place tens of seconds back); when both lines wait,
/// they take turns, so a sign-up flood takes at most half of the hashing
/// and a login waits at most one sign-up per login ahead of it.
/// Each queue is touched only by its own shard's loop.
public final class HashingQueues: @unchecked Sendable {
    public enum Line { case login, signUp }

    final class Queue {
        var busy = false
        var logins: [() -> Void] = []
        var signUps: [() -> Void] = []
        var lastServed = Line.login

        /// The next job, taking turns when both lines wait.
        func next() -> (() -> Void)? {
            let takeLogin = !logins.isEmpty && (signUps.isEmpty || lastServed == .signUp)
            if takeLogin {
                lastServed = .login
                return logins.removeFirst()
            }
            guard !signUps.isEmpty else { return nil }
            lastServed = .signUp
            return signUps.removeFirst()
        }
    }

    private let queues: [Queue]

    public init(shards: Int) {
        queues = (0..<max(1, shards)).map { _ in Queue() }
    }

    /// Runs `work` on the pool when this shard's previous hash is done and
    /// returns true; returns false, and runs nothing, when `line` already
    /// has `limit` jobs waiting.
    func run<Result: Sendable>(_ line: Line, limit: Int, on loop: EventLoop, _ work: @escaping @Sendable () -> Result,
                               then completion: @escaping (Result) -> Void) -> Bool {
        loop.assertInLoop()
        let queue = queues[loop.index % queues.count]
        let start = {
            loop.offload(work) { result in
                completion(result)
                if let next = queue.next() {
                    next()
                } else {
                    queue.busy = false
                }
            }
        }
        guard queue.busy else {
            queue.busy = true
            queue.lastServed = line
            start()
            return true
        }
        switch line {
        case .login:
            guard queue.logins.count < limit else { return false }
            queue.logins.append(start)
        case .signUp:
            guard queue.signUps.count < limit else { return false }
            queue.signUps.append(start)
        }
        return true
    }

    /// 503 `server_busy`: a hashing line of this shard is full.
    static var busy: APIError {
        APIError(.serviceUnavailable, code: "server_busy", message: "Too many sign-ups or logins are waiting; retry in 1 s.",
                 headers: [HTTPResponse.Field(name: "Retry-After", value: "1")])
    }
}
