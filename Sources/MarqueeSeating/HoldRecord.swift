/// A live hold, kept on the owner shard beside its seat words.
public struct HoldRecord: Equatable, Sendable {
    public let number: UInt32
    public let userID: Int64
    /// Seat indices, ascending (made, changed and loaded that way).
    public var seats: [Int]
    /// Seat-clock seconds (SeatWord epoch).
    public var expiry: UInt32
    public let createdUnix: Int64
    /// A checkout is between the payment record and the booking commit:
    /// the hold may not be changed, released or replaced meanwhile.
    public var paying = false
    /// Payment attempts made so far; the next one is numbered one more.
    public var attempts: Int

    public init(number: UInt32, userID: Int64, seats: [Int], expiry: UInt32, createdUnix: Int64,
                paying: Bool = false, attempts: Int) {
        self.number = number
        self.userID = userID
        self.seats = seats
        self.expiry = expiry
        self.createdUnix = createdUnix
        self.paying = paying
        self.attempts = attempts
    }
}
