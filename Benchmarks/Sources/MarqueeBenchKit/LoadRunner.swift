import Glibc
import MarqueeLoop

/// What one connection asks, request by request. A script may keep state
/// between its requests (a hold's id for the release that follows).
public protocol Script: AnyObject {
    /// The next request's bytes, or nil when this connection is done.
    func nextRequest() -> [UInt8]?
    /// The response to the last request.
    func handle(_ response: ResponseReader.Response)
}

/// Load settings: where, how many connections on how many loop threads,
/// closed loop (each connection sends when answered) or open loop (a fixed
/// total rate), warm-up, and bounds: a duration and optionally a count.
public struct LoadPlan: Sendable {
    public var host = "127.0.0.1"
    public var port: Int
    public var connections = 64
    public var threads = 1
    public var warmupSeconds = 1.0
    public var durationSeconds = 5.0
    /// Open loop when set: requests per second over all connections.
    public var ratePerSecond: Double?
    /// Stop after this many measured requests, if sooner.
    public var maxRequests: Int?

    public init(port: Int) { self.port = port }
}

/// Runs a plan with a script per connection on its own libuv loops and
/// returns the merged measurements. Everything is bounded: the run ends at
/// warm-up plus duration whatever the server does.
public enum LoadRunner {
    public static func run(_ plan: LoadPlan, script: @escaping @Sendable (Int) -> Script) -> (Recorder, seconds: Double) {
        precondition(plan.host == "127.0.0.1" || plan.host == "::1" || plan.host == "localhost", "load is only ever sent to loopback")
        let host = plan.host == "localhost" ? "127.0.0.1" : plan.host
        let results = Lock<[Recorder]>([])
        let startNanos = SystemClock.monotonicNanoseconds()
        let measureFrom = startNanos + UInt64(plan.warmupSeconds * 1e9)
        let endAt = measureFrom + UInt64(plan.durationSeconds * 1e9)
        let budget = RequestBudget(plan.maxRequests)
        var threads: [LoopThread] = []
        for thread in 0..<plan.threads {
            let connections = Array(stride(from: thread, to: plan.connections, by: plan.threads))
            let rate = plan.ratePerSecond.map { $0 * Double(connections.count) / Double(plan.connections) }
            threads.append(LoopThread(name: "bench-\(thread)") {
                guard let loop = try? EventLoop(index: thread) else { return }
                let driver = LoopDriver(loop: loop, host: host, port: plan.port, connections: connections, script: script,
                                        measureFrom: measureFrom, endAt: endAt, rate: rate, budget: budget)
                loop.execute { driver.start() }
                loop.run()
                loop.close()
                results.withLock { $0.append(driver.recorder) }
            })
        }
        for thread in threads { thread.join() }
        var merged = Recorder()
        for recorder in results.withLock({ $0 }) { merged.merge(recorder) }
        let measuredSeconds = Double(min(SystemClock.monotonicNanoseconds(), endAt) - min(measureFrom, endAt)) / 1e9
        return (merged, measuredSeconds)
    }
}

/// A shared cap on measured requests (relaxed counting is enough for a bound).
final class RequestBudget: Sendable {
    private let remaining: Lock<Int?>
    init(_ limit: Int?) { remaining = Lock(limit) }
    func take() -> Bool {
        remaining.withLock { value in
            guard let left = value else { return true }
            guard left > 0 else { return false }
            value = left - 1
            return true
        }
    }
}

/// One loop's connections. Loop thread only.
final class LoopDriver: @unchecked Sendable {
    final class Client {
        let index: Int
        let script: Script
        var tcp: TCPConnection?
        var reader = ResponseReader()
        var sentAt: UInt64 = 0
        var scheduledIndex: Int?
        var busy = false
        var done = false
        var connecting = false
        init(index: Int, script: Script) {
            self.index = index
            self.script = script
        }
    }

    let loop: EventLoop
    let host: String
    let port: Int
    let measureFrom: UInt64
    let endAt: UInt64
    let budget: RequestBudget
    var recorder = Recorder()
    private var clients: [Client]
    private var ticker: LoopTimer?
    private var schedule: OpenLoopSchedule?
    private var nextScheduled = 0
    private var waiting: [Int] = []
    private var stopping = false

    init(loop: EventLoop, host: String, port: Int, connections: [Int], script: (Int) -> Script,
         measureFrom: UInt64, endAt: UInt64, rate: Double?, budget: RequestBudget) {
        self.loop = loop
        self.host = host
        self.port = port
        self.measureFrom = measureFrom
        self.endAt = endAt
        self.budget = budget
        clients = connections.map { Client(index: $0, script: script($0)) }
        if let rate, rate > 0 { schedule = OpenLoopSchedule(startNanos: SystemClock.monotonicNanoseconds(), ratePerSecond: rate) }
    }

    func start() {
        let timer = LoopTimer(loop: loop)
        timer.start(after: 1, repeat: 1) { [unowned self] in tick() }
        ticker = timer
        for client in clients { connect(client) }
    }

    private func connect(_ client: Client) {
        client.connecting = true
        TCPConnection.connect(loop: loop, host: host, port: port) { [unowned self] result in
            client.connecting = false
            switch result {
            case .failure:
                recorder.transportErrors += 1
                client.done = stopping || SystemClock.monotonicNanoseconds() >= endAt
            case .success(let tcp):
                client.tcp = tcp
                client.reader = ResponseReader()
                tcp.onRead = { [unowned self] bytes in didRead(client, bytes) }
                tcp.onReadEnd = { [unowned self] _ in lost(client) }
                tcp.startReading()
                if stopping { tcp.close() } else if schedule == nil { send(client) } else { client.busy = false }
            }
        }
    }

    private func lost(_ client: Client) {
        client.tcp?.close()
        client.tcp = nil
        if client.busy { recorder.transportErrors += 1 }
        client.busy = false
        // Reconnect at the next tick while the run lasts.
    }

    private func send(_ client: Client, scheduled: Int? = nil) {
        guard let tcp = client.tcp, !client.done, !stopping else { return }
        guard let request = client.script.nextRequest() else {
            client.done = true
            return
        }
        client.busy = true
        client.scheduledIndex = scheduled
        client.sentAt = SystemClock.monotonicNanoseconds()
        client.reader.expectResponse(toRequest: request)
        tcp.write(request)
    }

    private func didRead(_ client: Client, _ bytes: UnsafeRawBufferPointer) {
        client.reader.append(bytes)
        while true {
            let response: ResponseReader.Response
            do {
                guard let next = try client.reader.next() else { return }
                response = next
            } catch {
                // An answer that cannot be read: a transport error, and the
                // stream is out of step, so the connection goes.
                recorder.transportErrors += 1
                client.busy = false
                lost(client)
                return
            }
            let now = SystemClock.monotonicNanoseconds()
            client.busy = false
            recorder.tally(status: response.status, body: response.body)
            if client.sentAt >= measureFrom && now <= endAt {
                let micros: UInt64
                if let index = client.scheduledIndex, let schedule {
                    micros = schedule.latencyMicros(of: index, answeredAt: now)
                } else {
                    micros = (now - client.sentAt) / 1_000
                }
                if budget.take() {
                    recorder.record(status: response.status, micros: micros, second: Int((now - measureFrom) / 1_000_000_000))
                } else {
                    stopping = true
                }
            }
            client.script.handle(response)
            if !response.keepAlive {
                lost(client)
                return
            }
            if schedule == nil {
                send(client)
            } else if let index = waiting.first {
                waiting.removeFirst()
                send(client, scheduled: index)
            }
        }
    }

    private func tick() {
        let now = SystemClock.monotonicNanoseconds()
        if now >= endAt || stopping || clients.allSatisfy(\.done) {
            finish()
            return
        }
        for client in clients where client.tcp == nil && !client.connecting && !client.done { connect(client) }
        if let schedule {
            let due = schedule.dueCount(at: now)
            while nextScheduled < due {
                waiting.append(nextScheduled)
                nextScheduled += 1
            }
            for client in clients where !client.busy && client.tcp != nil && !client.done {
                guard let index = waiting.first else { break }
                waiting.removeFirst()
                send(client, scheduled: index)
            }
        }
    }

    private func finish() {
        stopping = true
        ticker?.close()
        ticker = nil
        for client in clients {
            client.tcp?.close()
            client.tcp = nil
        }
        loop.allowExit()
    }
}
