extension Migration {
    /// Users, revoked access tokens, and login attempts for rate limiting.
    static let m0003Users = Migration(version: 3, name: "users", sql: #"""
    CREATE TABLE users (
        id             bigserial PRIMARY KEY,
        email          text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
        name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        password_hash  text NOT NULL,
        role           text NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'admin')),
        created_at     timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX users_email_key ON users (lower(email));

    -- A revoked token stays listed until it would have expired anyway.
    CREATE TABLE revoked_tokens (
        jti         text PRIMARY KEY,
        expires_at  timestamptz NOT NULL
    );
    CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);

    -- Fixed one-minute windows per key ('email:...' or 'ip:...'), shared by
    -- every shard and instance.
    CREATE TABLE login_attempts (
        key           text NOT NULL,
        window_start  timestamptz NOT NULL,
        attempts      integer NOT NULL,
        PRIMARY KEY (key, window_start)
    );
    """#)
}
