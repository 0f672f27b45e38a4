/// A showtime's live hold records by number, with each user's hold numbers
/// beside them: a hold request asks for the caller's holds on the showtime
/// (the per-showtime limit), and scanning every record for them cost a hold
/// request time in proportion to the showtime's live holds, which is
/// thousands during an on-sale.
public struct HoldTable {
    private var byNumber: [UInt32: HoldRecord] = [:]
    /// Numbers of each user's holds, in no order (a user has a few; the
    /// first is kept inline, so the usual single hold allocates nothing).
    private var byUser: [Int64: Numbers] = [:]

    struct Numbers {
        var first: UInt32
        var more: [UInt32] = []
        var all: [UInt32] { more.isEmpty ? [first] : [first] + more }
    }

    public init() {}

    public var values: Dictionary<UInt32, HoldRecord>.Values { byNumber.values }
    public var count: Int { byNumber.count }

    public subscript(number: UInt32) -> HoldRecord? {
        get { byNumber[number] }
        set {
            let old = byNumber[number]
            byNumber[number] = newValue
            // A number keeps its user: the index changes only when a hold comes or goes.
            guard old?.userID != newValue?.userID else { return }
            if let old { forget(number, of: old.userID) }
            if let newValue {
                if byUser[newValue.userID] == nil {
                    byUser[newValue.userID] = Numbers(first: number)
                } else {
                    byUser[newValue.userID]!.more.append(number)
                }
            }
        }
    }

    /// A user's holds here that have not expired, oldest (lowest number) first.
    public func live(of user: Int64, now: UInt32) -> [HoldRecord] {
        guard let numbers = byUser[user] else { return [] }
        if numbers.more.isEmpty {
            guard let hold = byNumber[numbers.first], hold.expiry > now, hold.userID == user else { return [] }
            return [hold]
        }
        return numbers.all.sorted().compactMap { number in byNumber[number].flatMap { $0.expiry > now && $0.userID == user ? $0 : nil } }
    }

    private mutating func forget(_ number: UInt32, of user: Int64) {
        guard var numbers = byUser.removeValue(forKey: user) else { return }
        if numbers.first == number {
            guard !numbers.more.isEmpty else { return }  // the user's last hold here
            numbers.first = numbers.more.removeFirst()
        } else {
            numbers.more.removeAll { $0 == number }
        }
        byUser[user] = numbers
    }
}
