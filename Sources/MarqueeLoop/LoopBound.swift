/// A value that belongs to one loop, carried across threads only to be
/// used back on that loop (like SwiftNIO's NIOLoopBound): the way a
/// closure sent with `execute` refers to a shard's state. Reading `value`
/// off the loop traps in debug builds.
public struct LoopBound<Value>: @unchecked Sendable {
    public let loop: EventLoop
    private let storage: Value

    public init(_ value: Value, loop: EventLoop) {
        self.loop = loop
        self.storage = value
    }

    public var value: Value {
        loop.assertInLoop()
        return storage
    }

    /// Runs `body` with the value on its loop.
    public func execute(_ body: @escaping @Sendable (Value) -> Void) {
        let bound = self
        loop.execute { body(bound.value) }
    }
}
