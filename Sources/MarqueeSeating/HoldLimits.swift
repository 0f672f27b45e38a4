/// How long holds last and how many a user may have: the rules' settings
/// (the booking configuration's flags and environment fill them in).
public struct HoldLimits: Equatable, Sendable {
    /// A hold's lifetime from its creation.
    public var holdTTLSeconds: UInt32 = 600
    /// Checkout extends the hold to at least this far ahead, so it cannot
    /// expire while the provider is authorising.
    public var paymentWindowSeconds: UInt32 = 120
    public var maxSeatsPerHold = 10
    /// Past this many live holds on one showtime, a new hold replaces the
    /// user's oldest one that is not checking out.
    public var maxHoldsPerUserPerShowtime = 1
    /// Live holds over every showtime (see UserHoldCounter).
    public var maxHoldsPerUser = 4

    public init() {}
}
