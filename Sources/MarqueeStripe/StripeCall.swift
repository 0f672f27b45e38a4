import Logging
import MarqueeHTTPClient
import MarqueeLoop
import MarqueePayments

/// One provider call and its retries: the same request (and so the same
/// `Idempotency-Key`) sent again after a backoff while its outcome is
/// unknown, until an answer that decides, or the policy's attempts or
/// time budget run out. Loop thread only.
final class StripeCall {
    struct Response {
        let status: Int
        let body: [UInt8]
    }

    private let client: HTTPClient
    private let request: HTTPClientRequest
    private let operation: String
    private let policy: StripeRetryPolicy
    private let loop: EventLoop
    private let logger: Logger
    private let completion: (Result<Response, PaymentError>) -> Void
    private var attempt = 0
    private var started: UInt64 = 0

    init(client: HTTPClient, request: HTTPClientRequest, operation: String, policy: StripeRetryPolicy,
         loop: EventLoop, logger: Logger, completion: @escaping (Result<Response, PaymentError>) -> Void) {
        self.client = client
        self.request = request
        self.operation = operation
        self.policy = policy
        self.loop = loop
        self.logger = logger
        self.completion = completion
    }

    func start() {
        started = loop.now
        send()
    }

    private func send() {
        attempt += 1
        client.execute(request) { result in
            switch result {
            case .success(let response):
                if let reason = Self.retryReason(response) {
                    self.retry(reason, retryAfterSeconds: response.header("Retry-After").flatMap { UInt64($0) })
                } else {
                    self.completion(.success(Response(status: response.status, body: response.body)))
                }
            case .failure(let error):
                switch error {
                case .timeout, .connectionClosed, .connect, .resolve, .invalidResponse:
                    self.retry("\(error)", retryAfterSeconds: nil)
                case .tls(let reason):
                    // A refused certificate is not a passing fault: no payment
                    // data went out, and retrying would not change the answer.
                    self.logger.error("payment provider refused: TLS", metadata: ["operation": "\(self.operation)", "reason": "\(reason)"])
                    self.completion(.failure(.unavailable("TLS with the payment provider failed: \(reason)")))
                case .invalidURL, .invalidRequest, .shutdown:
                    self.completion(.failure(.unavailable("payment provider call not made: \(error)")))
                }
            }
        }
    }

    /// Why an answer does not decide the call, or nil when it does.
    /// Stripe's `Stripe-Should-Retry` header, when present, wins.
    static func retryReason(_ response: HTTPClientResponse) -> String? {
        switch response.header("Stripe-Should-Retry") {
        case "true": return "HTTP \(response.status), Stripe-Should-Retry"
        case "false": return nil
        default: break
        }
        // 409: another request with this key is in flight at Stripe.
        if response.status == 429 || response.status == 409 || response.status >= 500 {
            return "HTTP \(response.status)"
        }
        return nil
    }

    private func retry(_ reason: String, retryAfterSeconds: UInt64?) {
        let delay = policy.delay(after: attempt, retryAfterSeconds: retryAfterSeconds)
        let elapsed = loop.now - started
        guard attempt < policy.maxAttempts, elapsed + delay <= policy.budgetMilliseconds else {
            logger.warning("payment provider call gave up", metadata: [
                "operation": "\(operation)", "attempts": "\(attempt)", "reason": "\(reason)",
            ])
            completion(.failure(.unavailable("the payment provider did not answer \(operation) after \(attempt) attempts: \(reason)")))
            return
        }
        logger.notice("payment provider call retried", metadata: [
            "operation": "\(operation)", "attempt": "\(attempt)", "reason": "\(reason)", "delay_ms": "\(delay)",
        ])
        let timer = LoopTimer(loop: loop)
        timer.start(after: delay) {
            timer.close()
            self.send()
        }
    }

    /// A final error answer as the protocol's error.
    static func failure(status: Int, error: StripeJSON.APIError?) -> PaymentError {
        let message = error?.message ?? "HTTP \(status)"
        if error?.type == "card_error" {
            return .declined(code: error?.code ?? "card_declined", declineCode: error?.declineCode, message: message)
        }
        if error?.type == "idempotency_error" { return .idempotencyConflict }
        if error?.code == "resource_missing" && error?.param == "payment_method" { return .invalidPaymentMethod(message) }
        if status == 404 || error?.code == "resource_missing" { return .notFound }
        if status == 401 || status == 403 {
            // Nothing was done; the key is wrong or lacks a permission.
            return .unavailable("the payment provider refused our API key (HTTP \(status)): \(message)")
        }
        return .invalidState(message)
    }
}
