import MarqueeHTTP
import MarqueeStore

/// A showtime's ownership across instances: the statements on
/// `showtime_leases` (migration 10) and the answers they lead to.
///
/// An instance loads a showtime's seat map only after `acquire` gave it the
/// lease, renews the leases of its loaded showtimes in the background
/// (`renew`, one statement per shard per interval) and drops a showtime
/// whose lease it lost. Its seat writes carry the lease's fence, which the
/// batch statement checks (`marquee_check_fences`), so a stale owner's
/// write is refused even if it has not noticed yet.
enum ShowtimeLease {
    /// $1 showtime, $2 owner, $3 owner's address, $4 lease seconds.
    /// Takes the lease when it is free, expired or already ours, raising
    /// the fence only when it changes hands. Returns one row: our fence
    /// (NULL when another live instance holds it), that instance's address,
    /// and whether the showtime exists at all.
    static let acquireSQL = """
        WITH taken AS (
            INSERT INTO showtime_leases AS l (showtime_id, owner, owner_address, fence, expires_at)
            SELECT s.id, $2, $3, 1, now() + make_interval(secs => $4::integer) FROM showtimes s WHERE s.id = $1
            ON CONFLICT (showtime_id) DO UPDATE SET
                fence = l.fence + CASE WHEN l.owner = excluded.owner THEN 0 ELSE 1 END,
                owner = excluded.owner, owner_address = excluded.owner_address, expires_at = excluded.expires_at
            WHERE l.owner = excluded.owner OR l.expires_at < now()
            RETURNING l.fence
        )
        SELECT (SELECT fence FROM taken),
               (SELECT owner_address FROM showtime_leases WHERE showtime_id = $1),
               EXISTS (SELECT 1 FROM showtimes WHERE id = $1)
        """

    /// $1 owner, $2 lease seconds, $3 showtimes, $4 their fences. Extends
    /// the leases still ours at these fences (locked in id order, like
    /// `marquee_check_fences`, so the two never deadlock) and returns their
    /// ids: a showtime missing from the answer was taken over.
    static let renewSQL = """
        UPDATE showtime_leases l SET expires_at = now() + make_interval(secs => $2::integer)
        FROM (SELECT k.showtime_id FROM showtime_leases k
              JOIN unnest($3::bigint[], $4::bigint[]) AS t(s, f) ON k.showtime_id = t.s AND k.fence = t.f
              WHERE k.owner = $1 ORDER BY k.showtime_id FOR UPDATE OF k) AS mine
        WHERE l.showtime_id = mine.showtime_id
        RETURNING l.showtime_id
        """

    /// The SQLSTATE `marquee_check_fences` raises; DETAIL lists the stale ids.
    static let fenceRefusedState = "MQ409"

    /// The showtimes a refused batch named stale, or nil for any other error.
    static func staleShowtimes(_ error: PostgresError) -> Set<Int64>? {
        guard case .server(fenceRefusedState, _, let detail, _) = error else { return nil }
        return Set((detail ?? "").split(separator: ",").compactMap { Int64($0) })
    }

    /// What a non-owner answers. Not forwarded by this server: a forward
    /// would hold a second connection per request and re-send request
    /// bodies, and nginx cannot carry a POST through X-Accel-Redirect (it
    /// turns the request into a GET). Instead a 503 that nothing was done
    /// for, with a stable code: deploy/nginx.conf lists 503 in
    /// `proxy_next_upstream` for the showtime-scoped locations, so nginx
    /// tries the next instance until it reaches the owner, and a client
    /// that came directly reads the owner's address and Retry-After.
    /// The seat map is never served from a second copy.
    static let ownedElsewhereCode = "showtime_owned_elsewhere"

    static func ownedElsewhere(address: String?) -> APIError {
        APIError(.serviceUnavailable, code: ownedElsewhereCode,
                 message: "Another instance owns this showtime; retry (through the proxy it is routed to the owner).",
                 detailsJSON: address.map { "\"owner\":\(JSONText.quoted($0))" },
                 headers: [HTTPResponse.Field(name: "Retry-After", value: "1")])
    }
}
