/// A seat change, numbered per showtime in the order the owner shard made
/// it: what persistence records and live seat maps broadcast.
public struct SeatEvent: Sendable {
    public enum Kind: String, Sendable {
        case held, released, expired, booked, blocked, unblocked
    }

    public let showtime: Int64
    public let seq: UInt64
    public let kind: Kind
    /// Seat indices, ascending.
    public let seats: [Int]

    public init(showtime: Int64, seq: UInt64, kind: Kind, seats: [Int]) {
        self.showtime = showtime
        self.seq = seq
        self.kind = kind
        self.seats = seats
    }
}
