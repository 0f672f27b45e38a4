import MarqueeHTTP
import MarqueeServer

/// What a delta is: consecutive owner batches merged, encoded once per
/// group and frame variant, numbered from each watcher's snapshot.
extension LiveHub {
    /// Consecutive batches as one: seq range over all, each seat once with
    /// its latest state, stamped with the oldest change.
    static func merged(_ batches: [LiveFeed.Batch]) -> LiveFeed.Batch {
        guard batches.count > 1 else { return batches[0] }
        let first = batches[0]
        let last = batches[batches.count - 1]
        var at: [String: Int] = [:]
        var changes: [(label: String, state: String)] = []
        for batch in batches {
            for change in batch.changes {
                if let index = at[change.label] {
                    changes[index].state = change.state
                } else {
                    at[change.label] = changes.count
                    changes.append(change)
                }
            }
        }
        return LiveFeed.Batch(showtime: first.showtime, fromSeq: first.fromSeq, toSeq: last.toSeq,
                              oldestChangeMillis: first.oldestChangeMillis, changes: changes)
    }

    /// Encoded once, the same frame to every up-to-date watcher of the
    /// group; once more per other variant met (a watcher that agreed
    /// permessage-deflate gets the compressed frame for its window size).
    func send(_ batch: LiveFeed.Batch, to audience: Audience, group: Int) {
        let plain = WebSocketEncoder.frame(.text, Self.payload(batch, from: batch.fromSeq))
        // Watchers whose snapshot was taken while this batch was gathering
        // already have part of it: they get the same changes (each seat's
        // state now) numbered from just past their snapshot, so a client
        // checking `from_seq == seq + 1` never takes the overlap for a gap.
        var others: [FrameKey: [UInt8]] = [:]
        let now = access.loop.now
        for watcher in audience.members[group] where watcher.hasSnapshot && batch.toSeq > watcher.seq {
            if watcher.laggingSince != nil { continue }
            if watcher.socket.pendingWriteBytes > engine.config.liveMaxUnsentBytes {
                // Too far behind: stop queueing; a fresh snapshot follows when it drains.
                watcher.laggingSince = now
                watcher.hasSnapshot = false
                continue
            }
            let from = watcher.seq >= batch.fromSeq ? watcher.seq + 1 : batch.fromSeq
            let variant = watcher.socket.frameVariant
            if from == batch.fromSeq && variant == 0 {
                watcher.socket.send(frame: plain)
            } else {
                let key = FrameKey(from: from, variant: variant)
                let frame = others[key] ?? watcher.socket.frame(.text, Self.payload(batch, from: from))
                others[key] = frame
                watcher.socket.send(frame: frame)
            }
            watcher.seq = batch.toSeq
        }
    }

    private struct FrameKey: Hashable {
        let from: UInt64
        let variant: Int
    }

    /// The delta message's JSON.
    static func payload(_ batch: LiveFeed.Batch, from: UInt64) -> [UInt8] {
        var json = JSONBuffer(capacity: 96 + 34 * batch.changes.count)
        json.raw("{\"type\":\"delta\",\"showtime\":")
        json.integer(batch.showtime)
        json.raw(",\"from_seq\":")
        json.integer(from)
        json.raw(",\"seq\":")
        json.integer(batch.toSeq)
        json.raw(",\"oldest_change_at\":")
        json.timestamp(milliseconds: batch.oldestChangeMillis)
        json.raw(",\"changes\":[")
        for (index, change) in batch.changes.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"seat\":")
            json.string(change.label)
            json.raw(",\"state\":")
            json.string(change.state)
            json.raw("}")
        }
        json.raw("]}")
        return json.bytes
    }
}
