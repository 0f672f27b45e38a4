extension Migration {
    /// The seat store's hot tables without foreign keys to users and
    /// showtimes. Every hold, payment and booking row is written by the
    /// owner shard for a showtime it loaded from this database and a user
    /// whose signed token it verified, and neither users nor showtimes are
    /// ever deleted, so those checks never fired; each was a query per row
    /// inside PostgreSQL (two per hold change, six per booking), measured as
    /// the largest part of its CPU under checkout load on the same cores as
    /// the server. The keys inside the seat store stay: a payment needs its
    /// hold, a booked seat its booking, and `booked_seats`' primary key
    /// remains the last guard against selling a seat twice.
    static let m0005SeatWriteKeys = Migration(version: 5, name: "seat write keys", sql: #"""
    ALTER TABLE holds DROP CONSTRAINT holds_showtime_id_fkey;
    ALTER TABLE holds DROP CONSTRAINT holds_user_id_fkey;
    ALTER TABLE payments DROP CONSTRAINT payments_user_id_fkey;
    ALTER TABLE bookings DROP CONSTRAINT bookings_showtime_id_fkey;
    ALTER TABLE bookings DROP CONSTRAINT bookings_user_id_fkey;
    """#)
}
