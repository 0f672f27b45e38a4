/// Which seats a new hold asks for.
public enum SeatSelection: Equatable, Sendable {
    /// These seats by label, all or none.
    case named([String])
    /// The best `count` adjacent free seats in one row, of `category` if given.
    case bestAvailable(count: Int, category: String?)
}
