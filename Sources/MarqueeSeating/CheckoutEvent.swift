/// What happened to a checkout: the result of the action it last asked for.
public enum CheckoutEvent: Equatable, Sendable {
    /// The attempt's row is committed: the provider may hear of it.
    case attemptCommitted
    case attemptCommitFailed(databaseUnavailable: Bool)
    /// The provider authorised: `intent` awaits capture.
    case authorized(intent: String)
    /// The card needs the buyer's bank (3-D Secure): the buyer's browser
    /// completes `challenge`, then confirms (or a webhook says it is done).
    case requiresAction(intent: String, challenge: AuthenticationChallenge)
    /// Read back after 3-D Secure: the authentication failed or was
    /// abandoned (the intent needs another payment method, or was cancelled).
    case authenticationFailed
    /// The card was refused: Stripe's `code` and `decline_code`.
    case declined(code: String, declineCode: String?, message: String)
    case invalidPaymentMethod(message: String)
    /// The provider did not answer, or answered outside its contract: the
    /// attempt's outcome is unknown until reconciled.
    case providerFailed
    /// The hold's seats turned from held to booked in the words.
    case seatsBooked
    /// The hold no longer held every seat (only a bug could do that while
    /// it checks out): nothing was booked.
    case seatsLost
    case bookingCommitted
    /// `databaseUnavailable`: the commit may or may not have happened;
    /// otherwise PostgreSQL refused it (while settling: a seat is another
    /// booking's, which proves this booking absent).
    case bookingCommitFailed(databaseUnavailable: Bool)
    /// The booking's batch never left this process (the database
    /// connection's queue was full): nothing of it was written.
    case bookingNotSent
    /// A write was refused by the showtime's lease fence: another instance
    /// owns it now.
    case showtimeOwnedElsewhere
    /// Captured at `nowUnix` (the booking's answer is dated so).
    case captured(nowUnix: Int64)
    case captureFailed
    /// The booking whose capture failed is cancelled in PostgreSQL.
    case bookingCancelled
}
