import MarqueeLoop

/// Open connections per peer address over all shards
/// (MAX_CONNECTIONS_PER_ADDRESS). The address is the TCP peer's: at accept
/// time no `X-Forwarded-For` has arrived yet, so behind a proxy the proxy's
/// address is the one counted. A pthread `Lock`, not `Mutex`: Thread
/// Sanitizer does not see the futex-based Mutex and reports its users as
/// races.
final class AddressGate: Sendable {
    private let open = Lock<[String: Int]>([:])
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func tryEnter(_ address: String) -> Bool {
        open.withLock { open in
            let count = open[address, default: 0]
            guard count < limit else { return false }
            open[address] = count + 1
            return true
        }
    }

    func leave(_ address: String) {
        open.withLock { open in
            let count = open[address, default: 0] - 1
            open[address] = count > 0 ? count : nil
        }
    }
}
