import Foundation
import Glibc
import MarqueeCrypto
import MarqueeTestSupport
import Testing

/// `POST /v1/payments/stripe/webhook` on a real server: signatures checked
/// as Stripe signs them, each event processed once, and an authorised
/// intent's event completing a checkout that awaits 3-D Secure.
@Suite("Payment webhooks", .serialized)
final class PaymentWebhookTests {
    static let secret = "whsec_test_secret"
    let server: MarqueeTestServer
    let fixture: BookingFixture

    init() throws {
        server = try MarqueeTestServer { config in config.stripeWebhookSecret = Array(PaymentWebhookTests.secret.utf8) }
        fixture = try BookingFixture(server: server)
    }
    deinit { server.stop() }

    /// `t=<timestamp>,v1=<HMAC-SHA256 of "t.body">`, as Stripe signs.
    static func signature(_ body: String, secret: String = secret, at timestamp: Int = Int(time(nil))) -> String {
        let mac = Crypto.hmacSHA256(key: Array(secret.utf8), message: Array("\(timestamp).\(body)".utf8))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    func post(_ body: String, signature: String?) throws -> TestClient.Response {
        let client = try TestClient(port: server.port)
        var head = "POST /v1/payments/stripe/webhook HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        if let signature { head += "Stripe-Signature: \(signature)\r\n" }
        try client.send(head + "Content-Length: \(body.utf8.count)\r\n\r\n" + body)
        return try client.readResponse()
    }

    static func event(_ id: String, _ type: String, intent: String, metadata: [String: String] = [:]) -> String {
        let fields = metadata.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
        return "{\"id\":\"\(id)\",\"object\":\"event\",\"type\":\"\(type)\",\"data\":{\"object\":"
            + "{\"id\":\"\(intent)\",\"object\":\"payment_intent\",\"metadata\":{\(fields)}}}}"
    }

    @Test("signatures: valid (also among several v1 values) is 200; wrong secret, old timestamp, tampered body or none is 400")
    func signatures() throws {
        let body = Self.event("evt_sig_1", "customer.created", intent: "cus_1")
        let valid = try post(body, signature: Self.signature(body))
        #expect(valid.status == 200, "\(valid)")
        // While a secret is rolled Stripe sends a v1 for each: one matching is enough.
        let second = Self.event("evt_sig_2", "customer.created", intent: "cus_1")
        #expect(try post(second, signature: Self.signature(second, secret: "whsec_old") + ","
                         + Self.signature(second).split(separator: ",")[1]).status == 200)

        let third = Self.event("evt_sig_3", "customer.created", intent: "cus_1")
        let wrong = try post(third, signature: Self.signature(third, secret: "whsec_wrong"))
        #expect(wrong.status == 400 && wrong.errorCode == "webhook_signature_invalid", "\(wrong)")
        // Ten minutes old: twice the tolerance, so no clock skew between this process and the server matters.
        let old = try post(third, signature: Self.signature(third, at: Int(time(nil)) - 600))
        #expect(old.status == 400 && old.errorCode == "webhook_signature_expired", "\(old)")
        let tampered = third.replacingOccurrences(of: "customer.created", with: "charge.refunded")
        let forged = try post(tampered, signature: Self.signature(third))
        #expect(forged.status == 400 && forged.errorCode == "webhook_signature_invalid", "\(forged)")
        let missing = try post(third, signature: nil)
        #expect(missing.status == 400 && missing.errorCode == "webhook_signature_missing")
        #expect(try fixture.sql("SELECT string_agg(event_id, ',' ORDER BY event_id) FROM payment_webhook_events")
                == [["evt_sig_1,evt_sig_2"]], "refused events are not recorded")
    }

    @Test("an authorised intent's event books a checkout awaiting 3-D Secure; the replayed event is not processed again")
    func authorisedEventBooks() throws {
        let buyer = try fixture.customers(1)[0]
        let hold = try #require(fixture.hold(["D4", "D5"], token: buyer.token).object?["id"] as? String)
        let pending = try fixture.checkout(hold, method: "pm_card_threeDSecureRequired", token: buyer.token)
        #expect(pending.status == 202)
        let intent = try fixture.intent(ofChallenge: pending)
        #expect(try fixture.authenticate(intent, succeeded: true) == "requires_capture")
        let metadata = ["showtime": String(fixture.showtime), "hold": String(try BookingFixture.holdNumber(hold)),
                        "user": String(buyer.id), "attempt": "1"]
        let body = Self.event("evt_auth_1", "payment_intent.amount_capturable_updated", intent: intent, metadata: metadata)
        let first = try post(body, signature: Self.signature(body))
        #expect(first.status == 200 && first.object?["duplicate"] == nil, "\(first)")
        #expect(try fixture.eventually("SELECT status || ':' || payment_status FROM bookings WHERE booking_no = \(BookingFixture.holdNumber(hold))",
                                       equals: "confirmed:captured"), "booked by the webhook, without a confirm")
        #expect(try fixture.states()["D4"] == "booked")
        #expect(try fixture.mockIntent(intent) == "succeeded")
        let confirmed = try fixture.confirm(hold, token: buyer.token)
        #expect(confirmed.status == 200 && confirmed.object?["status"] as? String == "confirmed", "the confirm finds the booking: \(confirmed)")

        // Stripe delivers at least once: the same event again is answered, not processed.
        let replay = try post(body, signature: Self.signature(body))
        #expect(replay.status == 200 && replay.object?["duplicate"] as? Bool == true, "\(replay)")
        #expect(try fixture.sql("SELECT count(*) FROM payment_webhook_events WHERE event_id = 'evt_auth_1'") == [["1"]])
    }

    @Test("a failed authentication's event declines a checkout awaiting 3-D Secure: the intent cancelled, the hold kept")
    func failedEventDeclines() throws {
        let buyer = try fixture.customers(1)[0]
        let hold = try #require(fixture.hold(["D7"], token: buyer.token).object?["id"] as? String)
        let pending = try fixture.checkout(hold, method: "pm_card_authenticationRequired", token: buyer.token)
        let intent = try fixture.intent(ofChallenge: pending)
        #expect(try fixture.authenticate(intent, succeeded: false) == "requires_payment_method")
        let metadata = ["showtime": String(fixture.showtime), "hold": String(try BookingFixture.holdNumber(hold)),
                        "user": String(buyer.id), "attempt": "1"]
        let body = Self.event("evt_fail_1", "payment_intent.payment_failed", intent: intent, metadata: metadata)
        #expect(try post(body, signature: Self.signature(body)).status == 200)
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "declined:payment_intent_authentication_failure" },
                "the attempt: \((try? fixture.attempts(hold)) ?? "?")")
        #expect(try waitUntil(seconds: 5) { try fixture.mockIntent(intent) == "canceled" })
        let kept = try server.request("GET", "/v1/holds/\(hold)", token: buyer.token)
        #expect(kept.object?["status"] as? String == "live", "the hold is kept for another card: \(kept)")
    }

    @Test("events of unknown types or for unknown intents are 200, so Stripe does not retry them")
    func unknownEvents() throws {
        let unknownType = Self.event("evt_other_1", "invoice.paid", intent: "in_1")
        #expect(try post(unknownType, signature: Self.signature(unknownType)).status == 200)
        let unknownIntent = Self.event("evt_other_2", "payment_intent.amount_capturable_updated", intent: "pi_nobody",
                                       metadata: ["showtime": String(fixture.showtime), "hold": "999", "user": "1", "attempt": "1"])
        #expect(try post(unknownIntent, signature: Self.signature(unknownIntent)).status == 200)
        let refunded = "{\"id\":\"evt_other_3\",\"type\":\"charge.refunded\",\"data\":{\"object\":{\"id\":\"ch_1\",\"object\":\"charge\",\"payment_intent\":\"pi_nobody\"}}}"
        #expect(try post(refunded, signature: Self.signature(refunded)).status == 200)
    }
}
