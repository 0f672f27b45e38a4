/// How a provider call is retried when its outcome is unknown (429, 5xx,
/// a timeout, a dropped connection): exponential backoff with jitter,
/// within a number of attempts and a time budget; then `.unavailable`.
public struct StripeRetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts = 4
    /// The first backoff; each later one doubles, up to `maxDelayMilliseconds`.
    public var baseDelayMilliseconds: UInt64 = 200
    public var maxDelayMilliseconds: UInt64 = 2_000
    /// No retry starts later than this after the call began, whatever
    /// `Retry-After` asks: the buyer is waiting, and the hold's payment
    /// window is finite.
    public var budgetMilliseconds: UInt64 = 8_000

    public init() {}

    /// The wait before attempt `attempt + 1` (`attempt` counts from 1):
    /// "equal jitter", half fixed and half random, so retries of many
    /// callers spread out but never come back at once. `retryAfter` (the
    /// server's `Retry-After`, seconds) is a floor.
    func delay(after attempt: Int, retryAfterSeconds: UInt64?,
               random: (ClosedRange<UInt64>) -> UInt64 = { UInt64.random(in: $0) }) -> UInt64 {
        let shift = UInt64(min(max(attempt - 1, 0), 20))
        let exponential = min(maxDelayMilliseconds, baseDelayMilliseconds << shift)
        let jittered = exponential / 2 + random(0...(exponential / 2))
        return max(jittered, (retryAfterSeconds ?? 0) * 1_000)
    }
}
