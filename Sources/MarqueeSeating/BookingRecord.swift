/// A booking as `bookings` records it: written when its seats are booked
/// (payment authorised), and again once the payment is captured.
public struct BookingRecord: Equatable, Sendable {
    public let showtime: Int64
    /// The hold's number: a booking keeps it.
    public let number: UInt32
    public let user: Int64
    /// Seat indices, ascending.
    public let seats: [Int]
    public let labels: [String]
    public let totalCents: Int
    public let currency: String
    public let intent: String
    public var paymentStatus: BookingPaymentStatus

    public init(showtime: Int64, number: UInt32, user: Int64, seats: [Int], labels: [String], totalCents: Int, currency: String,
                intent: String, paymentStatus: BookingPaymentStatus) {
        self.showtime = showtime
        self.number = number
        self.user = user
        self.seats = seats
        self.labels = labels
        self.totalCents = totalCents
        self.currency = currency
        self.intent = intent
        self.paymentStatus = paymentStatus
    }
}
