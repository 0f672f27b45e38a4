/// A JSON document written as UTF-8 bytes in place, for the answers on the
/// hot path (a hold's): building them from interpolated `String`s costs a
/// string per number and seven per timestamp. The caller writes the
/// structure; this writes values.
///
/// Its own storage, not an `[UInt8]`: `Array.append(contentsOf:)` checks
/// uniqueness and capacity and runs a generic copy on every call; here a
/// piece is a capacity compare and a copy. Noncopyable, so the storage has
/// one owner and is freed with it.
public struct JSONBuffer: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written so far.
    private var count = 0

    public init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The document so far, as an array (a copy).
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// The document so far, as a string (decoded from the storage itself,
    /// not through `bytes`: one copy, not two).
    public var text: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }

    /// Structure and keys, written as they are.
    public mutating func raw(_ text: StaticString) {
        append(UnsafeRawPointer(text.utf8Start), text.utf8CodeUnitCount)
    }

    public mutating func integer<T: BinaryInteger>(_ value: T) {
        ASCIIFormat.decimal(Int64(value)) { append($0.baseAddress!, $0.count) }
    }

    public mutating func boolean(_ value: Bool) { value ? raw("true") : raw("false") }

    /// A quoted string (RFC 8259 section 7): quote, backslash and control
    /// characters escaped, everything else as it is. `JSONText.quoted` is this.
    public mutating func string(_ text: String) {
        append(byte: UInt8(ascii: "\""))
        // Most strings (labels, ids, codes) need no escape: checked and
        // copied whole over their UTF-8 buffer (the generic UTF8View paths
        // were a few hundred instructions per label).
        var text = text
        let plain = text.withUTF8 { utf8 in
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
            if let start = utf8.baseAddress { append(UnsafeRawPointer(start), utf8.count) }
            return true
        }
        if plain {
            append(byte: UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case UInt8(ascii: "\n"): raw("\\n")
            case UInt8(ascii: "\r"): raw("\\r")
            case UInt8(ascii: "\t"): raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                append(byte: Self.hexDigits[Int(byte >> 4)])
                append(byte: Self.hexDigits[Int(byte & 0xF)])
            default: append(byte: byte)  // UTF-8 continuation and lead bytes pass through whole
            }
        }
        append(byte: UInt8(ascii: "\""))
    }

    /// A quoted RFC 3339 UTC time, as `ISO8601.format` writes it: "2026-11-25T20:00:00Z".
    public mutating func timestamp(_ seconds: Int64) {
        append(byte: UInt8(ascii: "\""))
        ASCIIFormat.rfc3339(seconds) { append($0.baseAddress!, $0.count) }
        append(byte: UInt8(ascii: "\""))
    }

    /// The same to the millisecond: "2026-11-25T20:00:00.042Z".
    public mutating func timestamp(milliseconds: Int64) {
        append(byte: UInt8(ascii: "\""))
        ASCIIFormat.rfc3339(milliseconds: milliseconds) { append($0.baseAddress!, $0.count) }
        append(byte: UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    // MARK: Storage

    @inline(__always)
    private mutating func append(_ source: UnsafeRawPointer, _ length: Int) {
        if count + length > capacity { grow(to: count + length) }
        UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: length)
        count += length
    }

    @inline(__always)
    private mutating func append(byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base[count] = byte
        count += 1
    }

    private mutating func grow(to needed: Int) {
        let larger = max(needed, capacity * 2)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.initialize(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = larger
    }
}
