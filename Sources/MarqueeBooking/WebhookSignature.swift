import MarqueeCrypto

/// Stripe's webhook signature: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`,
/// each `v1` an HMAC-SHA256 of "<t>.<body>" under the endpoint's secret
/// (several while a secret is rolled). Valid when one `v1` matches, compared
/// in constant time, and `t` is within `tolerance` seconds of now (an old
/// event replayed by someone who recorded it is refused).
enum WebhookSignature {
    enum Failure: Equatable, Error {
        case missing
        /// No timestamp or no `v1` value in the header.
        case malformed
        /// No `v1` value matches the body under the secret.
        case mismatch
        /// Signed correctly, too long ago (or ahead).
        case stale
    }

    static let toleranceSeconds: Int64 = 300

    static func verify(header: String?, payload: [UInt8], secret: [UInt8], now: Int64,
                       tolerance: Int64 = toleranceSeconds) -> Failure? {
        guard let header, !header.isEmpty else { return .missing }
        var timestamp: Int64?
        var signatures: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let key = pair[0].trimmingPrefix(" ")
            if key == "t" {
                timestamp = Int64(pair[1])
            } else if key == "v1", let bytes = hexBytes(pair[1]) {
                signatures.append(bytes)
            }
        }
        guard let timestamp, !signatures.isEmpty else { return .malformed }
        let expected = Crypto.hmacSHA256(key: secret, message: Array("\(timestamp).".utf8) + payload)
        // Every value is compared, so the time taken does not say which matched.
        var matched = false
        for signature in signatures where Crypto.constantTimeEquals(signature, expected) { matched = true }
        guard matched else { return .mismatch }
        guard abs(now - timestamp) <= tolerance else { return .stale }
        return nil
    }

    private static func hexBytes(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
