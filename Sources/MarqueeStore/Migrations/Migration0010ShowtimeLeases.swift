extension Migration {
    /// One owner per showtime across instances. An instance takes a
    /// showtime's lease before it loads the seat map and renews it while the
    /// map is loaded; `fence` rises each time the lease changes hands. Every
    /// seat batch calls `marquee_check_fences` with the fences its writer
    /// was given: the batch's lease rows are locked FOR SHARE (so no new
    /// owner can commit a takeover until the batch is done) and a fence that
    /// differs raises SQLSTATE MQ409, which rolls the whole statement back.
    /// A paused or cut-off old owner can then never commit a seat change
    /// after another instance took over. The stale showtime ids are in the
    /// error's DETAIL, comma-separated, so the writer knows which to drop.
    /// Times are the database's (`now()`), so instances' clocks do not matter.
    static let m0010ShowtimeLeases = Migration(version: 10, name: "showtime leases", sql: #"""
    CREATE TABLE showtime_leases (
        showtime_id   bigint PRIMARY KEY,
        owner         text NOT NULL,
        owner_address text,
        fence         bigint NOT NULL CHECK (fence > 0),
        expires_at    timestamptz NOT NULL
    );

    CREATE FUNCTION marquee_check_fences(showtimes bigint[], fences bigint[]) RETURNS boolean
    LANGUAGE plpgsql AS $$
    DECLARE
        stale bigint[];
    BEGIN
        -- In id order, like lease renewal, so two lockers never deadlock.
        PERFORM 1 FROM showtime_leases WHERE showtime_id = ANY (showtimes) ORDER BY showtime_id FOR SHARE;
        SELECT array_agg(t.s ORDER BY t.s) INTO stale
        FROM unnest(showtimes, fences) AS t(s, f)
        WHERE NOT EXISTS (SELECT 1 FROM showtime_leases l WHERE l.showtime_id = t.s AND l.fence = t.f);
        IF stale IS NOT NULL THEN
            RAISE EXCEPTION 'seat write refused: another instance owns showtime(s) %', array_to_string(stale, ',')
                USING ERRCODE = 'MQ409', DETAIL = array_to_string(stale, ',');
        END IF;
        RETURN true;
    END
    $$;
    """#)
}
