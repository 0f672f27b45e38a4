import Glibc

/// Header fields in arrival order. Names are stored lower-cased (ASCII), so
/// lookups compare bytes, not case-folded strings.
///
/// The parser copies the field lines' bytes here once and notes where each
/// name and value lie; a field becomes a `String` only when asked for.
/// Making one per field for every request (most never read) was a tenth of
/// the parser's instructions and an allocation per long value.
public struct HTTPHeaders: Sendable, Sequence {
    public struct Field: Sendable, Equatable {
        public let name: String
        public let value: String
    }

    /// Where one field's name and value lie in `text`.
    struct Span {
        let nameStart: Int32
        let nameCount: Int32
        let valueStart: Int32
        let valueCount: Int32
    }

    private var text: [UInt8] = []
    private var spans: [Span] = []

    public init() {}

    init(reservingCapacity capacity: Int, bytes: Int) {
        spans.reserveCapacity(capacity)
        text.reserveCapacity(bytes)
    }

    public init(_ pairs: [(String, String)]) {
        for (name, value) in pairs { append(name: Array(name.lowercased().utf8), value: Array(value.utf8)) }
    }

    public var count: Int { spans.count }

    /// The first value of `name`, which must be lower case.
    public subscript(name: String) -> String? {
        guard let index = firstIndex(of: name) else { return nil }
        return value(at: index)
    }

    /// The first value of `name` (lower case) as the bytes received, for a
    /// hot lookup that needs no `String` (nil when absent).
    public func withValue<R>(of name: StaticString, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        guard let index = firstIndex(of: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)) else {
            return body(nil)
        }
        return withValue(at: index, body)
    }

    /// Every value of a repeated field, in order. `name` must be lower case.
    public func values(_ name: String) -> [String] {
        var name = name
        return name.withUTF8 { wanted in spans.indices.filter { nameEquals(at: $0, wanted) }.map(value(at:)) }
    }

    public func makeIterator() -> AnyIterator<Field> {
        var index = 0
        return AnyIterator {
            guard index < spans.count else { return nil }
            defer { index += 1 }
            return Field(name: name(at: index), value: value(at: index))
        }
    }

    // MARK: Building (the parser)

    /// Appends a field, lower-casing the name as it is copied.
    mutating func append(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        let nameStart = text.count
        text.append(contentsOf: name)
        let valueStart = text.count
        text.append(contentsOf: value)
        text.withUnsafeMutableBufferPointer { text in
            for index in nameStart..<valueStart where text[index] >= 65 && text[index] <= 90 { text[index] |= 0x20 }
        }
        spans.append(Span(nameStart: Int32(nameStart), nameCount: Int32(name.count),
                          valueStart: Int32(valueStart), valueCount: Int32(value.count)))
    }

    mutating func append(name: [UInt8], value: [UInt8]) {
        name.withUnsafeBufferPointer { name in value.withUnsafeBufferPointer { append(name: name, value: $0) } }
    }

    /// Whether the last field's (lower-cased) name is `name`.
    func lastNameIs(_ name: StaticString) -> Bool {
        guard let last = spans.last, Int(last.nameCount) == name.utf8CodeUnitCount else { return false }
        return text.withUnsafeBufferPointer { memcmp($0.baseAddress! + Int(last.nameStart), name.utf8Start, name.utf8CodeUnitCount) == 0 }
    }

    /// The last field's value bytes, for the parser's framing fields.
    func withLastValue<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withValue(at: spans.count - 1, body)
    }

    var lastValue: String { value(at: spans.count - 1) }

    // MARK: Reading

    private func firstIndex(of name: String) -> Int? {
        var name = name
        return name.withUTF8 { firstIndex(of: $0) }
    }

    private func firstIndex(of wanted: UnsafeBufferPointer<UInt8>) -> Int? {
        spans.indices.first { nameEquals(at: $0, wanted) }
    }

    private func nameEquals(at index: Int, _ wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        let span = spans[index]
        guard Int(span.nameCount) == wanted.count else { return false }
        guard wanted.count > 0 else { return true }
        return text.withUnsafeBufferPointer { memcmp($0.baseAddress! + Int(span.nameStart), wanted.baseAddress!, wanted.count) == 0 }
    }

    private func withValue<R>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let span = spans[index]
        return text.withUnsafeBufferPointer {
            body(UnsafeBufferPointer(rebasing: $0[Int(span.valueStart)..<Int(span.valueStart + span.valueCount)]))
        }
    }

    private func name(at index: Int) -> String { string(Int(spans[index].nameStart), Int(spans[index].nameCount)) }
    private func value(at index: Int) -> String { string(Int(spans[index].valueStart), Int(spans[index].valueCount)) }

    private func string(_ start: Int, _ count: Int) -> String {
        text.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<(start + count)]), as: UTF8.self) }
    }
}
