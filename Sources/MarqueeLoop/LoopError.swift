import CLibUV

/// A libuv error code (negative errno) with its name and message, thrown
/// where a call that sets something up fails.
public struct LoopError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let operation: String

    public init(_ code: Int32, _ operation: String) {
        self.code = code
        self.operation = operation
    }

    public var name: String { String(cString: uv_err_name(code)) }

    public var description: String {
        "\(operation): \(name) (\(String(cString: uv_strerror(code))))"
    }

    /// Throws if `result` is a libuv error.
    static func check(_ result: Int32, _ operation: @autoclosure () -> String) throws {
        if result < 0 { throw LoopError(result, operation()) }
    }
}
