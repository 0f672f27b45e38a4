extension Migration {
    /// TableCleanup finds expired login-attempt windows by their start (the
    /// other tables it cleans have an index on their expiry already). An
    /// idempotency key in progress names its owner: the process and request,
    /// the database session that claimed it, and a lease (see Idempotency);
    /// keys claimed before this have none, and are taken over by a retry.
    static let m0009CleanupAndKeyOwners = Migration(version: 9, name: "cleanup index, idempotency key owners", sql: #"""
    CREATE INDEX login_attempts_window ON login_attempts (window_start);
    ALTER TABLE idempotency_keys
        ADD COLUMN owner                text,
        ADD COLUMN owner_pid            integer,
        ADD COLUMN owner_backend_start  timestamptz,
        ADD COLUMN lease_until          timestamptz NOT NULL DEFAULT now();
    """#)
}
