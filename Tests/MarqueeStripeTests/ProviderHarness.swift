import Logging
import MarqueeLoop
import MarqueePayments
import MarqueeStripe
import MarqueeTestSupport
import Testing

/// A Stripe provider on its own loop thread, driven from the test thread:
/// each call is handed to the loop and its answer waited for.
final class ProviderHarness: @unchecked Sendable {
    // @unchecked: the provider is used on the loop only; `logged` is locked.
    let loop: EventLoop
    let provider: StripePaymentProvider
    private let thread: LoopThread
    let logged = LockedArray<String>()

    init(fake: FakeStripe, _ adjust: (inout StripeConfiguration) -> Void = { _ in }) throws {
        var configuration = StripeConfiguration(secretKey: FakeStripe.secretKey)
        configuration.apiBase = fake.apiBase
        configuration.caFile = try TestCertificates.shared.get().caFile
        // Quick retries: the policy's shape is under test, not its pace.
        configuration.retry.baseDelayMilliseconds = 10
        configuration.retry.maxDelayMilliseconds = 40
        adjust(&configuration)
        let lines = logged
        provider = StripePaymentProvider(configuration: configuration,
                                         logger: Logger(label: "stripe-test") { _ in CollectingLogHandler(lines) })
        let loop = try EventLoop(index: 0)
        self.loop = loop
        thread = LoopThread(name: "stripe-test") { loop.run() }
    }

    typealias Completion = @Sendable (Result<PaymentIntent, PaymentError>) -> Void

    /// Runs one provider call on the loop and returns its answer (nil if
    /// none came within the deadline, generous for a loaded machine).
    func call(within seconds: Double = 30,
              _ body: @escaping @Sendable (StripePaymentProvider, EventLoop, @escaping Completion) -> Void) -> Result<PaymentIntent, PaymentError>? {
        let answer = LockedArray<Result<PaymentIntent, PaymentError>>()
        let provider = provider, loop = loop
        loop.execute { body(provider, loop) { answer.append($0) } }
        _ = eventually(within: seconds) { !answer.values.isEmpty }
        return answer.values.first
    }

    func authorize(_ method: String = "pm_card_visa", amount: Int = 2_000, key: String = "attempt-\(UInt32.random(in: 0...UInt32.max))",
                   metadata: [String: String] = [:]) -> Result<PaymentIntent, PaymentError>? {
        let request = PaymentRequest(amountCents: amount, currency: "usd", paymentMethod: method, idempotencyKey: key, metadata: metadata)
        return call { $0.authorize(request, on: $1, $2) }
    }

    func capture(_ id: String) -> Result<PaymentIntent, PaymentError>? { call { $0.capture(id, on: $1, $2) } }
    func cancel(_ id: String) -> Result<PaymentIntent, PaymentError>? { call { $0.cancel(id, on: $1, $2) } }
    func refund(_ id: String) -> Result<PaymentIntent, PaymentError>? { call { $0.refund(id, on: $1, $2) } }
    func retrieve(_ id: String) -> Result<PaymentIntent, PaymentError>? { call { $0.retrieve(id, on: $1, $2) } }

    /// Closes the provider's client, ends the loop, and checks nothing was
    /// left open on it.
    func stop() {
        let provider = provider, loop = loop
        loop.execute { provider.close(on: loop) { loop.allowExit() } }
        thread.join()
        #expect(loop.close() == 0, "the provider left handles open on its loop")
    }
}

/// Keeps every log line (message and metadata) for checks on what is logged.
struct CollectingLogHandler: LogHandler {
    let lines: LockedArray<String>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    init(_ lines: LockedArray<String>) { self.lines = lines }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.append("\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
    }
}

extension Result where Success == PaymentIntent, Failure == PaymentError {
    var intent: PaymentIntent? { if case .success(let intent) = self { intent } else { nil } }
    var error: PaymentError? { if case .failure(let error) = self { error } else { nil } }
}
