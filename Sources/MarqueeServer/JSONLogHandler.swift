import Glibc
import Logging
import MarqueeHTTP
import MarqueeLoop

/// Structured logs: one JSON object per line on stderr, with timestamp,
/// level, message, logger label and metadata (shard, request_id, ...).
/// Never give it secrets: metadata is written as is.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "{\"ts\":\"\(Self.timestamp())\",\"level\":\"\(event.level)\",\"msg\":\(JSONText.quoted(event.message.description)),\"logger\":\(JSONText.quoted(label))"
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error { merged["error"] = .string(String(describing: error)) }
        for key in merged.keys.sorted() {
            line += ",\(JSONText.quoted(key)):\(Self.json(merged[key]!))"
        }
        line += "}\n"
        // One write(2) per line, so lines from different shards never interleave.
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { break }
            offset += written
        }
    }

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): return JSONText.quoted(text)
        case .stringConvertible(let convertible):
            let text = convertible.description
            if convertible is any BinaryInteger || convertible is Double { return text }
            return JSONText.quoted(text)
        case .array(let values): return "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let values):
            return "{" + values.keys.sorted().map { "\(JSONText.quoted($0)):\(json(values[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// RFC 3339 UTC with milliseconds.
    static func timestamp() -> String {
        var text: [UInt8] = []
        text.appendRFC3339(milliseconds: SystemClock.wallMilliseconds())
        return String(decoding: text, as: UTF8.self)
    }
}
