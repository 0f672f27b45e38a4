/// Header fields in arrival order. Names are stored lower-cased (ASCII), so
/// lookups compare bytes, not case-folded strings.
public struct HTTPHeaders: Sendable, Sequence {
    public struct Field: Sendable, Equatable {
        public let name: String
        public let value: String
    }

    private var fields: [Field] = []

    public init() {}

    init(reservingCapacity capacity: Int) { fields.reserveCapacity(capacity) }

    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { Field(name: $0.0.lowercased(), value: $0.1) }
    }

    public var count: Int { fields.count }

    /// `name` must be lower case.
    public subscript(name: String) -> String? {
        for field in fields where field.name == name { return field.value }
        return nil
    }

    /// Every value of a repeated field, in order. `name` must be lower case.
    public func values(_ name: String) -> [String] {
        fields.compactMap { $0.name == name ? $0.value : nil }
    }

    mutating func append(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }
}
