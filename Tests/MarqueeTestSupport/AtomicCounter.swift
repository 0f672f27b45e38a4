import Foundation
import Synchronization

/// A counter threads can share in tests (relaxed: only the final value,
/// read after a join, matters).
public final class AtomicCounter: Sendable {
    private let storage = Atomic<Int>(0)
    public init() {}
    public func increment() { storage.add(1, ordering: .relaxed) }
    public var value: Int { storage.load(ordering: .relaxed) }
}

/// A set threads can add to in tests.
public final class LockedSet<Element: Hashable & Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var set: Set<Element> = []
    public init() {}
    public func insert(_ element: Element) { lock.withLock { _ = set.insert(element) } }
    public var values: Set<Element> { lock.withLock { set } }
}

/// A list threads can append to in tests.
public final class LockedArray<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Element] = []
    public init() {}
    public func append(_ element: Element) { lock.withLock { storage.append(element) } }
    public var values: [Element] { lock.withLock { storage } }
}

extension TestClient.Response {
    /// The body as a JSON object, nil when it is not one.
    public var object: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
}
