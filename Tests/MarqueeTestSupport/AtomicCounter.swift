import Synchronization

/// A counter threads can share in tests (relaxed: only the final value,
/// read after a join, matters).
public final class AtomicCounter: Sendable {
    private let storage = Atomic<Int>(0)
    public init() {}
    public func increment() { storage.add(1, ordering: .relaxed) }
    public var value: Int { storage.load(ordering: .relaxed) }
}
