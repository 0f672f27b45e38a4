import MarqueeCore
import MarqueeHTTP
import MarqueeSeating

/// A showtime's seat map encoded once and shared by every reader until it
/// changes: the body of `GET /v1/showtimes/{id}/seats` with every `mine`
/// false and, made from it on first use, the live map's snapshot message.
/// A reader with seats held here gets a copy with its `mine` flags set (a
/// copy of the bytes with a few words changed, not a second encoding).
///
/// `{"showtime","seq","seats":[{"label","row","column","category",
/// "price_cents","aisle_after","state","mine"}],"counts":{...}}`.
///
/// It stands while the showtime's `seq` is the one encoded (every change
/// raises it) and the clock is in `[encodedAt, until)`: `until` is the
/// earliest expiry of the seats encoded as held, since an expired hold
/// reads free at once, before the wheel's tick announces it. A checkout
/// that extends a hold only moves an expiry later: the encoding is made
/// again sooner than it had to be, never shown stale.
final class SeatMapEncoding {
    let seq: UInt64
    let encodedAt: UInt32
    let until: UInt32
    let body: [UInt8]
    /// Per seat, where its `mine` value (`false`) starts in `body`; -1 for
    /// a seat not encoded as held (only a held seat can be the caller's).
    private let mineAt: [Int32]
    /// The parts of each seat that never change, kept for the next encoding.
    let fragments: SeatFragments
    private var snapshotBytes: [UInt8]?

    /// `{"type":"snapshot",` replaces the body's `{`.
    private static let snapshotPrefix = Array("{\"type\":\"snapshot\",".utf8)

    /// The live snapshot message of a `/seats` body.
    static func snapshot(ofBody body: [UInt8]) -> [UInt8] { snapshotPrefix + body.dropFirst() }

    private init(seq: UInt64, encodedAt: UInt32, until: UInt32, body: [UInt8], mineAt: [Int32], fragments: SeatFragments) {
        self.seq = seq
        self.encodedAt = encodedAt
        self.until = until
        self.body = body
        self.mineAt = mineAt
        self.fragments = fragments
    }

    func stands(for seats: ShowtimeSeats, now: UInt32) -> Bool {
        seq == seats.seq && encodedAt <= now && now < until
    }

    /// Encodes the map as it reads at `now`.
    static func encode(_ seats: ShowtimeSeats, now: UInt32, fragments: SeatFragments?) -> SeatMapEncoding {
        let fragments = fragments ?? SeatFragments(seats.seats)
        let count = seats.seats.count
        var out: [UInt8] = []
        out.reserveCapacity(fragments.bytes.count + count * 24 + 160)
        out.append(contentsOf: "{\"showtime\":\(seats.id),\"seq\":\(seats.seq),\"seats\":[".utf8)
        var mineAt = [Int32](repeating: -1, count: count)
        var counts = [0, 0, 0, 0]
        var until = UInt32.max
        fragments.bytes.withUnsafeBufferPointer { all in
            var start = 0
            for index in 0..<count {
                let word = seats.map.word(index)
                let state = word.state(at: now)
                counts[Int(state.rawValue)] += 1
                if index > 0 { out.append(UInt8(ascii: ",")) }
                let end = Int(fragments.ends[index])
                out.append(contentsOf: UnsafeBufferPointer(rebasing: all[start..<end]))
                start = end
                out.append(contentsOf: stateTails[Int(state.rawValue)])
                if state == .held {
                    mineAt[index] = Int32(out.count)
                    until = min(until, word.expiry)
                }
                out.append(contentsOf: notMine)
            }
        }
        out.append(contentsOf: "],\"counts\":{\"free\":\(counts[0]),\"held\":\(counts[1]),\"booked\":\(counts[2]),\"blocked\":\(counts[3])}}".utf8)
        return SeatMapEncoding(seq: seats.seq, encodedAt: now, until: until, body: out, mineAt: mineAt, fragments: fragments)
    }

    /// `free","mine":` and the like, by state.
    private static let stateTails: [[UInt8]] = [SeatWord.State.free, .held, .booked, .blocked].map {
        Array("\(BookingJSON.stateName($0))\",\"mine\":".utf8)
    }
    private static let notMine = Array("false}".utf8)
    private static let mine = Array("true".utf8)

    /// The `/seats` body for `user`: the shared bytes themselves unless it
    /// holds seats here.
    func body(for user: Int64?, in seats: ShowtimeSeats, now: UInt32) -> [UInt8] {
        let marks = mine(of: user, in: seats, now: now)
        return marks.isEmpty ? body : Self.marking(body, at: marks, shift: 0)
    }

    /// The live snapshot message for `user`, and whether it is the shared
    /// one (the same bytes for every watcher without seats held here).
    func snapshot(for user: Int64?, in seats: ShowtimeSeats, now: UInt32) -> (bytes: [UInt8], shared: Bool) {
        let shared = snapshotBytes ?? Self.snapshot(ofBody: body)
        snapshotBytes = shared
        let marks = mine(of: user, in: seats, now: now)
        if marks.isEmpty { return (shared, true) }
        return (Self.marking(shared, at: marks, shift: Self.snapshotPrefix.count - 1), false)
    }

    /// Where `user`'s held seats have their `mine` value, in order.
    private func mine(of user: Int64?, in seats: ShowtimeSeats, now: UInt32) -> [Int] {
        guard let user else { return [] }
        var marks: [Int] = []
        for hold in seats.holds.live(of: user, now: now) {
            for seat in hold.seats where mineAt[seat] >= 0 && seats.map.word(seat).isHeld(by: hold.number, at: now) {
                marks.append(Int(mineAt[seat]))
            }
        }
        return marks.sorted()
    }

    /// `bytes` with `true` for the `false` at each of `marks` (+ `shift`).
    private static func marking(_ bytes: [UInt8], at marks: [Int], shift: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var from = 0
        for mark in marks {
            out.append(contentsOf: bytes[from..<(mark + shift)])
            out.append(contentsOf: mine)
            from = mark + shift + notMine.count - 1  // past `false`, before `}`
        }
        out.append(contentsOf: bytes[from...])
        return out
    }
}

/// Each seat's unchanging part, `{"label":"F7",...,"state":"`, one after
/// another, made once per loaded showtime (its prices are its own).
final class SeatFragments {
    let bytes: [UInt8]
    /// Where each seat's part ends in `bytes`.
    let ends: [Int32]

    init(_ seats: [ShowtimeSeats.Seat]) {
        var bytes: [UInt8] = []
        var ends: [Int32] = []
        ends.reserveCapacity(seats.count)
        for seat in seats {
            var out = JSONBuffer(capacity: 128)
            out.raw("{\"label\":")
            out.string(seat.label)
            out.raw(",\"row\":")
            out.string(seat.row)
            out.raw(",\"column\":")
            out.integer(seat.column)
            out.raw(",\"category\":")
            out.string(seat.category)
            out.raw(",\"price_cents\":")
            out.integer(seat.priceCents)
            out.raw(",\"aisle_after\":")
            out.boolean(seat.aisleAfter)
            out.raw(",\"state\":\"")
            bytes.append(contentsOf: out.bytes)
            ends.append(Int32(bytes.count))
        }
        self.bytes = bytes
        self.ends = ends
    }
}
