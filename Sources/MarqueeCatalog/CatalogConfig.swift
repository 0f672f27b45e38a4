/// Settings of the catalog API.
public struct CatalogConfig: Sendable {
    /// How long a cached read may be served (writes invalidate sooner).
    public var cacheTTLMilliseconds: UInt64 = 10_000
    /// The widest `from`..`to` a search accepts.
    public var maxRangeDays = 366
    /// Bearer token for admin routes until user roles exist; nil disables them.
    public var adminToken: String?
    /// Cleaning buffer added after a showtime when none is given.
    public var defaultCleaningMinutes = 15

    public init() {}
}
