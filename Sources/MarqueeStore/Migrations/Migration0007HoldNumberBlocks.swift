extension Migration {
    /// Hold numbers reserved in blocks per showtime, so a hold that ends
    /// before it was ever written (held and released within the batch
    /// writer's gathering, most of a busy sale's churn) needs no row at all,
    /// while a restart still never gives a number twice: the loader starts
    /// past the highest reservation as well as the highest hold and booking.
    static let m0007HoldNumberBlocks = Migration(version: 7, name: "hold number blocks", sql: #"""
    CREATE TABLE hold_number_blocks (
        showtime_id      bigint PRIMARY KEY,
        reserved_through integer NOT NULL CHECK (reserved_through > 0)
    );
    """#)
}
