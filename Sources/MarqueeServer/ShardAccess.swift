import Logging
import MarqueeLoop
import MarqueeStore

/// What a feature built on the server (the seat engine) may use of one
/// shard: its loop, its database connection, a place for its own per-shard
/// state, and a hook that runs when the shard drains. Loop thread only.
public struct ShardAccess {
    // unowned(unsafe): shards live as long as the server.
    unowned(unsafe) let shard: Shard

    public var index: Int { shard.index }
    public var loop: EventLoop { shard.loop }
    public var database: PostgresConnection? { shard.database }
    public var logger: Logger { shard.logger }
    public var server: Server { shard.server }
    /// The server's clock (ServerConfig.clock).
    public var clock: TimeSource { shard.config.clock }

    /// A gauge shown at `/metrics` with a shard label (`name` in Prometheus
    /// form, e.g. `marquee_live_watchers`): `read` runs on this shard's loop
    /// when metrics are collected, so the feature keeps no copy to update.
    public func gauge(_ name: String, help: String, read: @escaping () -> Double) {
        shard.loop.assertInLoop()
        shard.metrics.gauges[name] = (help, read)
    }

    /// This shard's instance of `type`, made on first use.
    public func local<T: AnyObject>(_ type: T.Type, make: () -> T) -> T {
        shard.loop.assertInLoop()
        let key = ObjectIdentifier(type)
        // The key is the type itself, so the stored object is a T: no
        // dynamic cast (`as!` was a few hundred instructions per lookup,
        // several lookups per request; so was hashing the key).
        for local in shard.locals where local.type == key { return unsafeDowncast(local.object, to: T.self) }
        let made = make()
        shard.locals.append((key, made))
        return made
    }

    /// Runs `handler` whenever any instance changed the catalog (and after
    /// a database reconnect, when changes may have been missed), after the
    /// shard's response cache is dropped.
    public func onCatalogChange(_ handler: @escaping () -> Void) {
        shard.listen(ResponseCache.channel, ready: handler) { _ in handler() }
    }

    /// Runs `handler` with each NOTIFY payload on `channel` (a plain
    /// identifier), and `ready` now if connected and after every
    /// (re)connect, when notifications may have been missed.
    public func listen(_ channel: String, ready: @escaping () -> Void, _ handler: @escaping (String) -> Void) {
        shard.listen(channel, ready: ready, handler)
    }

    /// Runs `handler` once, when the shard has no connections left and is
    /// about to close its loop: close timers and other handles here.
    public func onFinish(_ handler: @escaping () -> Void) {
        shard.finishHandlers.append(handler)
    }

    /// At a graceful shutdown, once the shard has no connections left and
    /// before `onFinish`: `handler` writes what it still holds (the database
    /// is still open) and calls its argument when done. The shard waits for
    /// every such handler, at most the drain timeout.
    public func onShutdownWriteBack(_ handler: @escaping (_ done: @escaping () -> Void) -> Void) {
        shard.writeBackHandlers.append(handler)
    }
}

extension Server {
    public var shardCount: Int { shards.count }

    /// Runs `body` on shard `index`'s loop.
    public func onShard(_ index: Int, _ body: @escaping @Sendable (ShardAccess) -> Void) {
        // One closure for the hop (LoopBound.execute would wrap it in a second).
        let shard = shards[index]
        shard.loop.execute { body(ShardAccess(shard: shard.value)) }
    }
}

extension RequestContext {
    /// The shard this request arrived on.
    public var shardAccess: ShardAccess { ShardAccess(shard: shard) }
    public var server: Server { shard.server }
    /// The server's clock (ServerConfig.clock).
    public var clock: TimeSource { shard.config.clock }
}
