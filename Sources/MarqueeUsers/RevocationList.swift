import MarqueeServer

/// Revoked access tokens, in memory on each shard, so checking a token
/// costs no database round trip. Logout inserts the row and notifies
/// `marquee_token_revoked` in one statement; every shard of every instance
/// listens, and reloads the whole list after each (re)connect. Until its
/// first load a shard asks the database instead (`isLoaded`); `start`
/// loads every shard's copy when the server starts, so a database outage
/// after that never stops a shard from checking tokens.
///
/// A logout also adds the token on every shard of its own process before it
/// answers; other instances hear of it after the notification's delivery
/// time (milliseconds on one host).
final class RevocationList {
    static let channel = "marquee_token_revoked"
    private(set) var isLoaded = false
    /// jti -> expiry (Unix seconds); expired entries are dropped as met.
    private var revoked: [String: Int64] = [:]

    static func on(_ access: ShardAccess) -> RevocationList {
        access.local(RevocationList.self) {
            let list = RevocationList()
            access.listen(channel, ready: { [unowned list] in list.reload(access) }) { [unowned list] payload in
                // payload: "<jti> <expiry>"
                let parts = payload.split(separator: " ")
                if parts.count == 2, let expiry = Int64(parts[1]) { list.revoked[String(parts[0])] = expiry }
            }
            return list
        }
    }

    private func reload(_ access: ShardAccess) {
        access.database?.query("SELECT jti, extract(epoch FROM expires_at)::bigint FROM revoked_tokens WHERE expires_at > now()") { [self] result in
            guard case .success(let rows) = result else { return }
            var fresh: [String: Int64] = [:]
            for row in rows.rows { if let jti = row[0], let expiry = row[1].flatMap({ Int64($0) }) { fresh[jti] = expiry } }
            // Notifications that raced the load are kept too.
            revoked.merge(fresh) { a, _ in a }
            isLoaded = true
        }
    }

    /// Loads the list on every shard now, not on its first authenticated request.
    static func start(on server: Server) {
        for index in 0..<server.shardCount { server.onShard(index) { access in _ = RevocationList.on(access) } }
    }

    /// Adds a revocation on every shard of this process, one after another,
    /// then calls `done` (on the last shard's loop).
    static func revokeEverywhere(_ jti: String, expiresAt: Int64, server: Server, from index: Int,
                                 done: @escaping @Sendable () -> Void) {
        guard index < server.shardCount else { return done() }
        server.onShard(index) { access in
            RevocationList.on(access).revoked[jti] = expiresAt
            revokeEverywhere(jti, expiresAt: expiresAt, server: server, from: index + 1, done: done)
        }
    }

    /// `now`: Unix seconds.
    func isRevoked(_ jti: String, now: Int64) -> Bool {
        guard let expiry = revoked[jti] else { return false }
        if expiry < now {
            revoked[jti] = nil  // the token has expired anyway
            return true
        }
        return true
    }
}
