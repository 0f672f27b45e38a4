import Logging
import MarqueeCrypto
import MarqueeHTTP
import MarqueeHTTPClient
import MarqueeLoop
import MarqueePayments

/// `PaymentProvider` over Stripe's API, spoken through our own HTTPS client
/// on the caller's loop (one client per loop, made there on first use).
///
/// PaymentIntents are created with manual capture and confirmed at once.
/// Each provider call has one `Idempotency-Key`, reused by every retry of
/// that call: authorising uses the request's key (one per checkout
/// attempt); capture, cancel and refund derive theirs from the intent id
/// and the operation, so a retry, or a later process settling the same
/// intent, can never capture or refund twice. Calls whose outcome is
/// unknown (429, 409, 5xx, a timeout, a dropped connection) are retried
/// with backoff within `StripeRetryPolicy`, then answered `.unavailable`,
/// which checkout leaves to reconciliation.
///
/// The secret key goes into the `Authorization` header and nowhere else:
/// no log line, no error, no description carries it.
public final class StripePaymentProvider: ClosingPaymentProvider, @unchecked Sendable {
    // @unchecked: the per-loop clients are behind a lock; each client is
    // used only on its own loop.
    public let configuration: StripeConfiguration
    private let logger: Logger
    private let authorization: String
    private let baseURL: String
    private let clients = Lock(Clients())

    /// Each loop's client, and the TLS context they share (one CA bundle
    /// read, one session cache), made on first use.
    private struct Clients {
        var byLoop: [ObjectIdentifier: HTTPClient] = [:]
        var tls: TLSClientContext?
    }

    public init(configuration: StripeConfiguration, logger: Logger = Logger(label: "marquee.stripe")) {
        self.configuration = configuration
        self.logger = logger
        authorization = "Bearer " + configuration.secretKey
        var base = configuration.apiBase
        while base.hasSuffix("/") { base.removeLast() }
        baseURL = base
    }

    public func authorize(_ request: PaymentRequest, on loop: EventLoop,
                          _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        let form = [("amount", String(request.amountCents)), ("currency", request.currency),
                    ("payment_method", request.paymentMethod), ("capture_method", "manual"), ("confirm", "true")]
            + StripeForm.metadata(request.metadata)
        call(.POST, "/v1/payment_intents", form: form, idempotencyKey: request.idempotencyKey,
             operation: "authorize", on: loop) { result in
            completion(result.flatMap { self.intent(from: $0) })
        }
    }

    public func capture(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        transition(intentID, "capture", to: .succeeded, on: loop, completion)
    }

    public func cancel(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        transition(intentID, "cancel", to: .canceled, on: loop, completion)
    }

    public func refund(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        call(.POST, "/v1/refunds", form: [("payment_intent", intentID)], idempotencyKey: "refund-\(intentID)",
             operation: "refund", on: loop) { result in
            switch result {
            case .failure(let error):
                completion(.failure(error))
            case .success(let response) where response.status / 100 == 2:
                guard let object = StripeJSON.object(response.body),
                      let intent = StripeJSON.refundedIntent(object, intentID: intentID) else {
                    return completion(.failure(.invalidState("the refund of \(intentID) did not succeed")))
                }
                completion(.success(intent))
            case .success(let response):
                // Refunded before (by us under another key, or in the
                // dashboard): the intent is where a refund takes it.
                guard StripeJSON.error(response.body)?.code == "charge_already_refunded" else {
                    return completion(.failure(self.failure(response)))
                }
                self.settled(intentID, at: .refunded, otherwise: self.failure(response), on: loop, completion)
            }
        }
    }

    public func retrieve(_ intentID: String, on loop: EventLoop, _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        call(.GET, "/v1/payment_intents/\(StripeForm.escaped(intentID))?expand%5B%5D=latest_charge", form: nil,
             idempotencyKey: nil, operation: "retrieve", on: loop) { result in
            completion(result.flatMap { self.intent(from: $0) })
        }
    }

    /// Closes this loop's client and its connections (at shard shutdown).
    public func close(on loop: EventLoop, _ done: @escaping () -> Void) {
        loop.assertInLoop()
        guard let client = clients.withLock({ $0.byLoop.removeValue(forKey: ObjectIdentifier(loop)) }) else { return done() }
        client.shutdown { done() }
    }

    /// Capture or cancel. Asking again for the state the intent is already
    /// in succeeds, as the protocol promises: Stripe refuses it
    /// (`payment_intent_unexpected_state`) once the idempotency key has
    /// expired, and the intent it reports (or reads back) decides.
    private func transition(_ intentID: String, _ operation: String, to target: PaymentIntent.Status, on loop: EventLoop,
                            _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        call(.POST, "/v1/payment_intents/\(StripeForm.escaped(intentID))/\(operation)", form: [],
             idempotencyKey: "\(operation)-\(intentID)", operation: operation, on: loop) { result in
            switch result {
            case .failure(let error):
                completion(.failure(error))
            case .success(let response) where response.status / 100 == 2:
                completion(self.intent(from: response))
            case .success(let response):
                guard StripeJSON.error(response.body)?.code == "payment_intent_unexpected_state" else {
                    return completion(.failure(self.failure(response)))
                }
                self.settled(intentID, at: target, otherwise: self.failure(response), on: loop, completion)
            }
        }
    }

    /// Reads the intent back: success if it is at `target`, else `otherwise`.
    private func settled(_ intentID: String, at target: PaymentIntent.Status, otherwise: PaymentError, on loop: EventLoop,
                         _ completion: @escaping (Result<PaymentIntent, PaymentError>) -> Void) {
        retrieve(intentID, on: loop) { result in
            if case .success(let intent) = result, intent.status == target {
                completion(.success(intent))
            } else {
                completion(.failure(otherwise))
            }
        }
    }

    private func intent(from response: StripeCall.Response) -> Result<PaymentIntent, PaymentError> {
        guard response.status / 100 == 2 else { return .failure(failure(response)) }
        guard let object = StripeJSON.object(response.body), let intent = StripeJSON.intent(object) else {
            // The call happened, its answer is unreadable: unknown, not failed.
            return .failure(.unavailable("unreadable answer from the payment provider (HTTP \(response.status))"))
        }
        return .success(intent)
    }

    /// A final (not retried) error answer as the protocol's error.
    func failure(_ response: StripeCall.Response) -> PaymentError {
        StripeCall.failure(status: response.status, error: StripeJSON.error(response.body))
    }

    private func call(_ method: HTTPMethod, _ path: String, form: [(String, String)]?, idempotencyKey: String?,
                      operation: String, on loop: EventLoop,
                      _ completion: @escaping (Result<StripeCall.Response, PaymentError>) -> Void) {
        loop.assertInLoop()
        let client: HTTPClient
        switch self.client(on: loop) {
        case .success(let made): client = made
        case .failure(let error): return completion(.failure(error))
        }
        var headers = [("Authorization", authorization), ("Stripe-Version", StripeConfiguration.apiVersion),
                       ("User-Agent", "Marquee")]
        if form != nil { headers.append(("Content-Type", "application/x-www-form-urlencoded")) }
        if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
        let request = HTTPClientRequest(method: method, url: baseURL + path, headers: headers,
                                        body: form.map(StripeForm.encode) ?? [])
        StripeCall(client: client, request: request, operation: operation, policy: configuration.retry,
                   loop: loop, logger: logger, completion: completion).start()
    }

    private func client(on loop: EventLoop) -> Result<HTTPClient, PaymentError> {
        let key = ObjectIdentifier(loop)
        let made: Result<(HTTPClient?, TLSClientContext), Error> = clients.withLock { clients in
            if let client = clients.byLoop[key], let tls = clients.tls { return .success((client, tls)) }
            if let tls = clients.tls { return .success((nil, tls)) }
            return Result {
                let tls = try TLSClientContext(caFile: configuration.caFile)
                clients.tls = tls
                return (nil, tls)
            }
        }
        switch made {
        case .success((let client?, _)):
            return .success(client)
        case .success((nil, let tls)):
            var http = HTTPClientConfiguration()
            http.maxConnectionsPerHost = configuration.maxConnections
            http.connectTimeoutMilliseconds = configuration.connectTimeoutMilliseconds
            http.readTimeoutMilliseconds = configuration.readTimeoutMilliseconds
            http.reuseConnections = configuration.reuseConnections
            let client = HTTPClient(loop: loop, configuration: http, tlsContext: tls)
            clients.withLock { $0.byLoop[key] = client }
            return .success(client)
        case .failure(let error):
            logger.error("payment provider client could not start", metadata: ["error": "\(error)"])
            return .failure(.unavailable("the payment provider's HTTPS client could not start: \(error)"))
        }
    }
}
