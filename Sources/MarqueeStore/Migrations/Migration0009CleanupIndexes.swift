extension Migration {
    /// TableCleanup finds expired login-attempt windows by their start; the
    /// other tables it cleans have an index on their expiry already.
    static let m0009CleanupIndexes = Migration(version: 9, name: "cleanup indexes", sql: #"""
    CREATE INDEX login_attempts_window ON login_attempts (window_start);
    """#)
}
