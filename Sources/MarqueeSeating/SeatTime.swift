import MarqueeCore

/// A moment as the seat rules see it: read once from the owner shard's
/// clock and passed in, so the rules never read a clock and tests move
/// time by hand.
public struct SeatTime: Equatable, Sendable {
    /// Seconds since 1970.
    public let unix: Int64
    /// The same moment in the seat words' seconds (see SeatWord).
    public let seconds: UInt32

    public init(unix: Int64) {
        self.unix = unix
        seconds = SeatWord.seconds(unix: unix)
    }

    /// `seconds` later.
    public func adding(_ seconds: Int64) -> SeatTime { SeatTime(unix: unix + seconds) }
}
