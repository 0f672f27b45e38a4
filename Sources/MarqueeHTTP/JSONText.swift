/// Minimal JSON text building for responses whose shape is fixed (errors,
/// health, metrics-free endpoints), without Foundation's encoder.
public enum JSONText {
    /// `text` as a JSON string literal, quotes included (RFC 8259 section 7).
    public static func quoted(_ text: String) -> String {
        var out = JSONBuffer(capacity: text.utf8.count + 2)
        out.string(text)
        return out.text
    }
}
