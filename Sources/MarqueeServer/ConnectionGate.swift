import Synchronization

/// Counts open connections over all shards against the configured maximum.
/// One atomic add per accept and per close; relaxed ordering suffices
/// because the count guards no other memory, it only bounds a number.
final class ConnectionGate: Sendable {
    private let open = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func tryEnter() -> Bool {
        let after = open.add(1, ordering: .relaxed).newValue
        if after > limit {
            open.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() {
        open.subtract(1, ordering: .relaxed)
    }

    var current: Int { open.load(ordering: .relaxed) }
}
