/// Hold and booking ids as clients see them: `hld_<showtime>_<n>` and
/// `bkg_<showtime>_<n>`. The showtime inside routes a request to its owner
/// shard without a lookup; `n` is the number in the seat words.
enum PublicID {
    static func hold(_ showtime: Int64, _ number: UInt32) -> String { "hld_\(showtime)_\(number)" }
    static func booking(_ showtime: Int64, _ number: UInt32) -> String { "bkg_\(showtime)_\(number)" }

    static func parse(_ text: String, prefix: String) -> (showtime: Int64, number: UInt32)? {
        guard text.hasPrefix(prefix + "_") else { return nil }
        let parts = text.dropFirst(prefix.count + 1).split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 19 && $0.allSatisfy(\.isASCII) }),
              let showtime = Int64(parts[0]), showtime > 0, let number = UInt32(parts[1]), number > 0 else { return nil }
        return (showtime, number)
    }
}
