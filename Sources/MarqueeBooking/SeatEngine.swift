import MarqueeHTTP
import MarqueeLoop
import MarqueeSeating
import MarqueeServer

/// The seat engine's process-wide part: which shard owns a showtime, the
/// per-user live-hold counts that span showtimes (UserHoldCounter, no
/// lock), and the hop from the shard a request arrived on to the owner
/// and back.
///
/// Every change to a showtime's seats runs on its owner shard, so its
/// hold records, event sequence and group commit need no lock. The seat
/// words themselves are atomics (SeatMap): any shard may read them.
public final class SeatEngine: Sendable {
    public let config: BookingConfig
    let userHolds = UserHoldCounter()

    public init(config: BookingConfig) {
        self.config = config
    }

    /// A showtime's owner shard: a multiplicative hash, so consecutive
    /// showtimes spread over shards.
    static func owner(of showtime: Int64, shards: Int) -> Int {
        Int((UInt64(bitPattern: showtime) &* 0x9E37_79B9_7F4A_7C15) >> 33) % shards
    }

    /// Runs `body` on the owner shard of `showtime`: right here when `here`
    /// is the owner (no hop there and back), else on the owner's loop.
    func onOwnerShard(of showtime: Int64, from here: ShardAccess, _ body: @escaping @Sendable (OwnerShard) -> Void) {
        let server = here.server
        let owner = Self.owner(of: showtime, shards: server.shardCount)
        if owner == here.index {
            body(OwnerShard.on(here, engine: self))
            return
        }
        server.onShard(owner) { [self] access in
            body(OwnerShard.on(access, engine: self))
        }
    }

    /// Runs `body` on the owner shard of `showtime` with its seats loaded
    /// (lazily, from PostgreSQL); `body` answers through the `Reply`, which
    /// hops back to the request's loop when it has to.
    ///
    /// The common case, a loaded showtime owned by the shard the request
    /// arrived on, calls `body` straight away: closures are made only for
    /// a hop or a load (one per step was an allocation and its reference
    /// counting on every hold and release; hence not `onOwnerShard`).
    func withShowtime(_ context: RequestContext, _ showtime: Int64,
                      _ body: @escaping @Sendable (OwnerShard, ShowtimeSeats, Reply) -> Void) {
        let here = context.shardAccess
        let reply = Reply(context: LoopBound(context, loop: context.loop))
        let ownerIndex = Self.owner(of: showtime, shards: here.server.shardCount)
        guard ownerIndex == here.index else {
            here.server.onShard(ownerIndex) { [self] access in
                Self.run(body, on: OwnerShard.on(access, engine: self), showtime, reply)
            }
            return
        }
        Self.run(body, on: OwnerShard.on(here, engine: self), showtime, reply)
    }

    private static func run(_ body: @escaping @Sendable (OwnerShard, ShowtimeSeats, Reply) -> Void,
                            on owner: OwnerShard, _ showtime: Int64, _ reply: Reply) {
        if let seats = owner.loaded(showtime) {
            body(owner, seats, reply)
            return
        }
        owner.showtime(showtime) { result in
            switch result {
            case .success(let seats): body(owner, seats, reply)
            case .failure(let error): reply.fail(error)
            }
        }
    }
}

/// Answers a request from another shard's loop.
struct Reply: Sendable {
    let context: LoopBound<RequestContext>

    func callAsFunction(_ response: HTTPResponse) {
        if context.loop.isInLoop {
            context.value.respond(response)
        } else {
            // One closure for the hop back (LoopBound.execute would wrap it in a second).
            let context = self.context
            context.loop.execute { context.value.respond(response) }
        }
    }

    func fail(_ error: APIError) { self(.error(error)) }
}
