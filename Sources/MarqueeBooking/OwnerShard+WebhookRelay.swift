import MarqueeServer

/// A Stripe webhook reaches whichever instance the proxy picks, but a
/// checkout awaiting 3-D Secure waits in its owner's memory. When no
/// checkout here takes the event, it is relayed by NOTIFY on
/// `marquee_checkout_resume` to every instance; the owner shard of the
/// showtime on each hears it, and the one whose checkout awaits that
/// attempt reads the intent back and goes on, as if it had received the
/// webhook. Receivers never relay again, so an event travels at most once.
extension OwnerShard {
    static let resumeChannel = "marquee_checkout_resume"

    struct ResumeNotice: Equatable {
        let showtime: Int64
        let hold: UInt32
        let attempt: Int
        let intent: String

        /// `showtime:hold:attempt:intent`; the intent id is the provider's
        /// (`pi_...`), with no colon.
        var payload: String { "\(showtime):\(hold):\(attempt):\(intent)" }

        init(showtime: Int64, hold: UInt32, attempt: Int, intent: String) {
            self.showtime = showtime
            self.hold = hold
            self.attempt = attempt
            self.intent = intent
        }

        init?(payload: String) {
            let parts = payload.split(separator: ":", maxSplits: 3)
            guard parts.count == 4, let showtime = Int64(parts[0]), let hold = UInt32(parts[1]), let attempt = Int(parts[2]),
                  !parts[3].isEmpty else { return nil }
            self.init(showtime: showtime, hold: hold, attempt: attempt, intent: String(parts[3]))
        }
    }

    /// Called once per shard (startReconciling).
    func startWebhookRelay() {
        access.listen(Self.resumeChannel, ready: {}) { [unowned self] payload in
            guard let notice = ResumeNotice(payload: payload),
                  SeatEngine.owner(of: notice.showtime, shards: access.server.shardCount) == access.index else { return }
            if resumeAuthentication(hold: notice.hold, attempt: notice.attempt, intent: notice.intent, showtime: notice.showtime) {
                access.logger.info("a relayed webhook moved a checkout on", metadata: [
                    "showtime": .stringConvertible(notice.showtime), "hold": .stringConvertible(notice.hold),
                ])
            }
        }
    }

    /// The event found no checkout here: tells the other instances.
    func relay(_ notice: ResumeNotice) {
        access.database?.query("SELECT pg_notify($1, $2)", [Self.resumeChannel, notice.payload]) { _ in }
    }
}
