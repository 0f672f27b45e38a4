import MarqueeLoop
import MarqueeServer

/// A live watcher and a showtime's audience on one shard: the records
/// LiveHub keeps per WebSocket and per showtime.
extension LiveHub {
    final class Watcher {
        let socket: WebSocketConnection
        let showtime: Int64
        let user: Int64?
        let address: String
        /// The seq its last snapshot reflected; deltas up to it are skipped.
        var seq: UInt64 = 0
        var hasSnapshot = false
        var laggingSince: UInt64?
        var snapshotRequested = false
        /// Its place in its group's array (removal swaps the last one in).
        var slot = 0
        /// Its delta group (see above).
        var group = 0

        init(socket: WebSocketConnection, showtime: Int64, user: Int64?, address: String) {
            self.socket = socket
            self.showtime = showtime
            self.user = user
            self.address = address
        }
    }

    /// One showtime's watchers on this shard and its groups' pending deltas.
    final class Audience {
        /// Per group: its watchers here (an array each, since a delta walks
        /// all of a group's; picking them out of one array touched every
        /// watcher of the showtime per group's delta), the batches since its last delta
        /// (oldest first; none kept for a group without watchers), and when
        /// it last sent one (loop time, nil before its first).
        var members: [[Watcher]]
        var pending: [[LiveFeed.Batch]]
        var sentAt: [UInt64?]
        var joined = 0
        var timer: LoopTimer?

        init(groups: Int) {
            members = Array(repeating: [], count: groups)
            pending = Array(repeating: [], count: groups)
            sentAt = Array(repeating: nil, count: groups)
        }

        var isEmpty: Bool { members.allSatisfy(\.isEmpty) }
    }
}
