/// A showtime's live hold records by number, with each user's hold numbers
/// beside them: a hold request asks for the caller's holds on the showtime
/// (the per-showtime limit), and scanning every record for them cost a hold
/// request time in proportion to the showtime's live holds, which is
/// thousands during an on-sale.
struct HoldTable {
    private var byNumber: [UInt32: HoldRecord] = [:]
    /// Numbers of each user's holds, in no order (a user has a few).
    private var byUser: [Int64: [UInt32]] = [:]

    var values: Dictionary<UInt32, HoldRecord>.Values { byNumber.values }
    var count: Int { byNumber.count }

    subscript(number: UInt32) -> HoldRecord? {
        get { byNumber[number] }
        set {
            let old = byNumber[number]
            byNumber[number] = newValue
            // A number keeps its user: the index changes only when a hold comes or goes.
            guard old?.userID != newValue?.userID else { return }
            if let old { forget(number, of: old.userID) }
            if let newValue { byUser[newValue.userID, default: []].append(number) }
        }
    }

    /// A user's holds here that have not expired, oldest (lowest number) first.
    func live(of user: Int64, now: UInt32) -> [HoldRecord] {
        guard let numbers = byUser[user] else { return [] }
        return numbers.sorted().compactMap { number in byNumber[number].flatMap { $0.expiry > now && $0.userID == user ? $0 : nil } }
    }

    private mutating func forget(_ number: UInt32, of user: Int64) {
        guard var numbers = byUser.removeValue(forKey: user) else { return }
        numbers.removeAll { $0 == number }
        if !numbers.isEmpty { byUser[user] = numbers }
    }
}
