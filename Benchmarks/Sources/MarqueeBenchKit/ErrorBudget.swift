/// A non-2xx answer's kind: its status and the `error.code` of its body
/// (`{"error":{"code":"seats_unavailable",...}}`), nil when the body has none
/// (nginx's own pages, a body cut short).
public struct Refusal: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let status: Int
    public let code: String?

    public init(status: Int, code: String?) {
        self.status = status
        self.code = code
    }

    /// The refusal an answer carries, reading the code out of its body.
    public init(status: Int, body: [UInt8]) {
        self.init(status: status, code: Self.errorCode(in: body))
    }

    /// The seat conflict: someone else holds or bought a seat asked for.
    public static let seatsUnavailable = Refusal(status: 409, code: "seats_unavailable")

    public var description: String { "\(status) \(code ?? "(no code)")" }

    public static func < (a: Refusal, b: Refusal) -> Bool { (a.status, a.code ?? "") < (b.status, b.code ?? "") }

    /// The string value of the first `"code":"..."` in a JSON error body
    /// (our codes are plain snake_case words: no escapes to undo).
    public static func errorCode(in body: [UInt8]) -> String? {
        let needle = Array(#""code":""#.utf8)
        guard body.count >= needle.count else { return nil }
        for at in 0...(body.count - needle.count) where body[at] == needle[0] && body[at..<(at + needle.count)].elementsEqual(needle) {
            let start = at + needle.count
            guard let end = body[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
            return String(decoding: body[start..<end], as: UTF8.self)
        }
        return nil
    }
}

/// What a scenario may see go wrong and still count as a working run: the
/// refusals it expects (a seat conflict where clients pick seats at random),
/// each bounded by a share of all answers, and nothing else: no other
/// non-2xx answer, no transport error (refused connection, connection lost
/// mid-request, unreadable answer), no fan-out gap that forced a resync
/// beyond those expected, and at least one answer.
public struct ErrorBudget: Sendable, Equatable {
    /// Expected refusals, each with the largest share of answers it may take.
    public var allowed: [Refusal: Double]
    /// Fan-out deltas whose `from_seq` did not follow the watcher's `seq`.
    public var allowedGaps: Int

    public init(allowed: [Refusal: Double] = [:], allowedGaps: Int = 0) {
        self.allowed = allowed
        self.allowedGaps = allowedGaps
    }

    /// Every answer a 2xx.
    public static let none = ErrorBudget()

    /// Seat conflicts up to `share` of the answers, nothing else.
    public static func seatConflicts(upTo share: Double) -> ErrorBudget {
        ErrorBudget(allowed: [.seatsUnavailable: share])
    }

    /// Seat conflicts where `holders` clients each hold one seat at a time,
    /// picked at random (a showtime by its chance in `showtimeChances`, then
    /// any of its seats alike), and let it go or buy it before the next: a
    /// hold finds its seat taken with chance at most holders × Σ p² / seats,
    /// as if every other client held a seat at that moment. The budget is
    /// three times that (holds left by an earlier round, chance in a short
    /// run) and at least 1% of the answers.
    public static func randomSeatConflicts(holders: Int, showtimeChances: [Double], seatsPerShowtime: Int) -> ErrorBudget {
        let sumOfSquares = showtimeChances.reduce(0) { $0 + $1 * $1 }
        let chance = Double(holders) * sumOfSquares / Double(max(1, seatsPerShowtime))
        return seatConflicts(upTo: min(1, max(0.01, 3 * chance)))
    }

    /// What broke the budget, one line each with its counts; empty when the run kept within it.
    public func violations(of recorder: Recorder, gaps: Int = 0) -> [String] {
        var found: [String] = []
        let answers = recorder.answered
        if answers == 0 { found.append("no answers at all") }
        for (refusal, count) in recorder.refusals.sorted(by: { $0.key < $1.key }) {
            guard let share = allowed[refusal] else {
                found.append("\(count) of \(answers) answers were \(refusal), which this scenario never expects")
                continue
            }
            let limit = Int((share * Double(answers)).rounded(.down))
            if count > limit {
                found.append("\(count) of \(answers) answers were \(refusal), over its budget of \(limit) (\(share * 100)%)")
            }
        }
        if recorder.transportErrors > 0 {
            found.append("\(recorder.transportErrors) transport errors (connections refused or lost mid-request, unreadable answers)")
        }
        if gaps > allowedGaps {
            found.append("\(gaps) fan-out gaps forced a resync (\(allowedGaps) expected)")
        }
        return found
    }
}
