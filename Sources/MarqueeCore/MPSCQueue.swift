import Synchronization

/// A lock-free multi-producer, single-consumer queue (Dmitry Vyukov's
/// intrusive design, non-intrusive here): the way one shard hands work to
/// another without a mutex on the request path.
///
/// Layout and cost: a singly linked list of heap nodes with a permanent
/// stub. Producers `exchange` the tail (one atomic RMW each, wait-free) and
/// then link the previous tail to their node. The consumer walks from its
/// private head. A push costs one allocation and two atomics; a pop one
/// acquire load and one free.
///
/// Memory ordering: `push` publishes the node's value with the release
/// store of `prev.next`; `pop` pairs with it through the acquire load of
/// `head.next`, so the consumer sees a fully written value. The tail
/// exchange is acquiring-and-releasing so that producers are ordered among
/// themselves.
///
/// Between a producer's exchange and its link the list is briefly cut: the
/// consumer then sees "empty" although a push is under way. That is safe
/// here because every producer wakes the consumer after linking (see
/// `EventLoop.execute`), and the consumer drains until empty on each wake.
public final class MPSCQueue<Element: Sendable>: @unchecked Sendable {
    private struct Node: ~Copyable {
        let next: Atomic<UnsafeMutablePointer<Node>?>
        var value: Element?
    }

    // Written by producers (exchange); read by nobody else.
    private let tail: Atomic<UnsafeMutablePointer<Node>>
    // Owned by the single consumer: not atomic.
    private var head: UnsafeMutablePointer<Node>

    public init() {
        let stub = UnsafeMutablePointer<Node>.allocate(capacity: 1)
        stub.initialize(to: Node(next: Atomic(nil), value: nil))
        head = stub
        tail = Atomic(stub)
    }

    deinit {
        while pop() != nil {}
        head.deinitialize(count: 1)
        head.deallocate()
    }

    /// Any thread. Wait-free.
    public func push(_ value: Element) {
        let node = UnsafeMutablePointer<Node>.allocate(capacity: 1)
        node.initialize(to: Node(next: Atomic(nil), value: value))
        let previous = tail.exchange(node, ordering: .acquiringAndReleasing)
        previous.pointee.next.store(node, ordering: .releasing)
    }

    /// The consumer thread only. Nil when empty (or when a push is half done,
    /// which its producer's wake-up will cover).
    public func pop() -> Element? {
        let current = head
        guard let next = current.pointee.next.load(ordering: .acquiring) else { return nil }
        // `next` becomes the new stub: take its value out, free the old stub.
        let value = next.pointee.value.take()
        head = next
        current.deinitialize(count: 1)
        current.deallocate()
        return value
    }
}
