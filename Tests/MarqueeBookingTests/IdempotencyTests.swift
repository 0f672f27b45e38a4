import Foundation
import MarqueeTestSupport
import Testing

/// `Idempotency-Key` while its first request still runs: a provider slow
/// enough (2 s) that the retry arrives during the checkout.
@Suite("Idempotency-Key while the first request runs", .serialized)
final class IdempotencyInProgressTests {
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        fixture = try BookingFixture { config in config.paymentLatencyMilliseconds = 2_000 }
    }

    @Test("the same key while the first checkout runs is 409 idempotency_in_progress; once it is done, it replays")
    func inProgress() throws {
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["E1"], token: buyer).object?["id"] as? String)
        let key = ["Idempotency-Key": "pay-slow"]
        let fixture = self.fixture
        let first = InFlight { try fixture.checkout(hold, token: buyer, headers: key, timeoutSeconds: 30) }
        // The key is claimed before the checkout runs; its attempt's row shows it running.
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "authorizing:-" })
        let retry = try fixture.checkout(hold, token: buyer, headers: key)
        #expect(retry.status == 409)
        #expect(retry.errorCode == "idempotency_in_progress")
        #expect(retry.headers["retry-after"] == "1")

        let paid = try first.wait()
        #expect(paid.status == 201)
        let replay = try fixture.checkout(hold, token: buyer, headers: key)
        #expect(replay.status == 201 && replay.body == paid.body)
        #expect(replay.headers["idempotent-replayed"] == "true")
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "captured:-" }, "one attempt: \((try? fixture.attempts(hold)) ?? "?")")
    }
}

@Suite("Idempotency-Key after a server error", .serialized)
final class IdempotencyServerErrorTests {
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        fixture = try BookingFixture()
    }

    @Test("a 5xx answer is not stored: a retry with the key runs again; a 4xx one replays")
    func serverErrorNotStored() throws {
        let buyer = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["E2"], token: buyer).object?["id"] as? String)
        let key = ["Idempotency-Key": "pay-unreachable"]
        let failed = try fixture.checkout(hold, method: "pm_mock_providerUnavailable", token: buyer, headers: key)
        #expect(failed.status == 502)
        #expect(try fixture.sql("SELECT count(*) FROM idempotency_keys WHERE key = 'pay-unreachable'") == [["0"]], "the key is let go")
        let retry = try fixture.checkout(hold, method: "pm_mock_providerUnavailable", token: buyer, headers: key)
        #expect(retry.status == 502)
        #expect(retry.headers["idempotent-replayed"] == nil, "run again, not replayed")
        #expect(try waitUntil(seconds: 5) { try fixture.attempts(hold) == "unknown:provider_error,unknown:provider_error" },
                "a second attempt: \((try? fixture.attempts(hold)) ?? "?")")

        // For contrast, a client error is the answer to keep: the retry replays it.
        let declineKey = ["Idempotency-Key": "pay-declined"]
        let declined = try fixture.checkout(hold, method: "pm_card_chargeDeclined", token: buyer, headers: declineKey)
        #expect(declined.status == 402)
        let replayed = try fixture.checkout(hold, method: "pm_card_chargeDeclined", token: buyer, headers: declineKey)
        #expect(replayed.status == 402 && replayed.body == declined.body)
        #expect(replayed.headers["idempotent-replayed"] == "true")
        #expect(try waitUntil(seconds: 5) {
            try fixture.attempts(hold) == "unknown:provider_error,unknown:provider_error,declined:generic_decline"
        }, "no attempt for the replay: \((try? fixture.attempts(hold)) ?? "?")")
    }
}
