/// Why a hold operation changed nothing. Seats are seat-map indices; the
/// routes turn each case into its HTTP error (code, status, message,
/// details).
public enum HoldRefusal: Error, Equatable, Sendable {
    case showtimeCancelled
    case showtimeStarted
    /// Every one of the user's `holds` on this showtime is checking out:
    /// none can be replaced by a new one.
    case limitReached(holds: Int)
    /// The user has `limit` live holds over every showtime.
    case tooManyHolds(limit: Int)
    /// Labels this auditorium lacks, in the order asked.
    case unknownSeats(labels: [String])
    /// Seats an admin blocked.
    case seatsBlocked(seats: [Int])
    /// Seats someone else holds or has booked: nothing changed.
    case conflict(seats: [Int])
    case unknownCategory(String)
    case noSeatsAvailable(count: Int, category: String?)
    /// Not a live hold of this user's (someone else's is not found either).
    case holdNotFound
    case checkoutInProgress
    /// A change names this seat both to add and to remove.
    case addedAndRemoved(seat: Int)
    case alreadyInHold(seats: [Int])
    case notInHold(seats: [Int])
    /// A change would leave the hold with no seat.
    case emptyHold
    case tooManySeats(max: Int)
}
