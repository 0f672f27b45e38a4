import MarqueeUsers

/// Settings of the catalog API.
public struct CatalogConfig: Sendable {
    /// How long a cached read may be served (writes invalidate sooner).
    public var cacheTTLMilliseconds: UInt64 = 10_000
    /// The widest `from`..`to` a search accepts.
    public var maxRangeDays = 366
    /// A bootstrap bearer token for admin routes (optional once admins exist).
    public var adminToken: String?
    /// Verifies users' access tokens: an admin's token opens admin routes.
    public var tokenSigner: TokenSigner?
    /// Cleaning buffer added after a showtime when none is given.
    public var defaultCleaningMinutes = 15

    public init() {}
}
