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
    // A node is raw memory: an atomic link word, then the value. Fields are
    // reached through their own pointers, never through a struct, so the
    // consumer moving a value out and a producer linking the same node do
    // not touch one Swift variable (Thread Sanitizer checks exactly that).
    private typealias Link = Atomic<UnsafeMutableRawPointer?>

    private static var valueOffset: Int {
        let alignment = MemoryLayout<Element?>.alignment
        return (MemoryLayout<Link>.stride + alignment - 1) / alignment * alignment
    }

    private static func link(_ node: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Link> {
        node.assumingMemoryBound(to: Link.self)
    }

    private static func value(_ node: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Element?> {
        (node + valueOffset).assumingMemoryBound(to: Element?.self)
    }

    private static func makeNode(_ value: Element?) -> UnsafeMutableRawPointer {
        let node = UnsafeMutableRawPointer.allocate(
            byteCount: valueOffset + MemoryLayout<Element?>.size,
            alignment: max(MemoryLayout<Link>.alignment, MemoryLayout<Element?>.alignment))
        node.initializeMemory(as: Link.self, to: Link(nil))
        Self.value(node).initialize(to: value)
        return node
    }

    private static func freeNode(_ node: UnsafeMutableRawPointer) {
        value(node).deinitialize(count: 1)
        link(node).deinitialize(count: 1)
        node.deallocate()
    }

    // Exchanged by producers; read by nobody else.
    private let tail: Atomic<UnsafeMutableRawPointer>
    // Owned by the single consumer: not atomic.
    private var head: UnsafeMutableRawPointer

    public init() {
        let stub = Self.makeNode(nil)
        head = stub
        tail = Atomic(stub)
    }

    deinit {
        while pop() != nil {}
        Self.freeNode(head)
    }

    /// Any thread. Wait-free.
    public func push(_ value: Element) {
        let node = Self.makeNode(value)
        let previous = tail.exchange(node, ordering: .acquiringAndReleasing)
        Self.link(previous).pointee.store(node, ordering: .releasing)
    }

    /// The consumer thread only. Nil when empty (or when a push is half done,
    /// which its producer's wake-up will cover).
    public func pop() -> Element? {
        let current = head
        guard let next = Self.link(current).pointee.load(ordering: .acquiring) else { return nil }
        // `next` becomes the new stub: move its value out, free the old stub.
        let value = Self.value(next).move()
        Self.value(next).initialize(to: nil)
        head = next
        Self.freeNode(current)
        return value
    }
}
