/// A showtime's status in PostgreSQL (`showtimes.status`).
public enum ShowtimeStatus: String, Sendable {
    case scheduled, cancelled
}
