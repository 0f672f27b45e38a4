/// A hold row's status in PostgreSQL (`holds.status`): the case names are
/// the database's words, so `rawValue` is the one mapping to its text.
public enum HoldStatus: String, Sendable {
    case live, released, expired, booked, replaced

    /// Every status but `live` ends the hold.
    public var endsHold: Bool { self != .live }
}
