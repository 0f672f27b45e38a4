import MarqueeCore
import MarqueeHTTP
import MarqueeSeating

/// The JSON shapes of seat maps, holds and bookings.
enum BookingJSON {
    static func stateName(_ state: SeatWord.State) -> String {
        switch state {
        case .free: return "free"
        case .held: return "held"
        case .booked: return "booked"
        case .blocked: return "blocked"
        }
    }

    /// `{"showtime", "seq", "counts", "seats": [{"label", "row", "column", "category", "price_cents",
    /// "aisle_after", "state", "mine"}]}`; `mine` marks seats held by one of `user`'s holds.
    static func seatMap(_ seats: ShowtimeSeats, user: Int64?, now: UInt32) -> String {
        let mine = Set(user.map { seats.holds.live(of: $0, now: now).map(\.number) } ?? [])
        var counts = [0, 0, 0, 0]
        var out = "{\"showtime\":\(seats.id),\"seq\":\(seats.seq),\"seats\":["
        out.reserveCapacity(seats.seats.count * 120)
        for (index, seat) in seats.seats.enumerated() {
            let word = seats.map.word(index)
            let state = word.state(at: now)
            counts[Int(state.rawValue)] += 1
            if index > 0 { out += "," }
            out += "{\"label\":\"\(seat.label)\",\"row\":\"\(seat.row)\",\"column\":\(seat.column),"
            out += "\"category\":\(JSONText.quoted(seat.category)),\"price_cents\":\(seat.priceCents),"
            out += "\"aisle_after\":\(seat.aisleAfter),\"state\":\"\(stateName(state))\","
            out += "\"mine\":\(state == .held && mine.contains(word.owner))}"
        }
        out += "],\"counts\":{\"free\":\(counts[0]),\"held\":\(counts[1]),\"booked\":\(counts[2]),\"blocked\":\(counts[3])}}"
        return out
    }

    static func hold(_ hold: HoldRecord, in seats: ShowtimeSeats, currency: String, replaced: UInt32? = nil) -> [UInt8] {
        // Room for the whole answer (about 260-300 bytes with a few seats): no regrowth.
        var out = JSONBuffer(capacity: 384)
        out.raw("{\"id\":")
        PublicID.writeHold(seats.id, hold.number, to: &out)
        out.raw(",\"showtime_id\":")
        out.integer(seats.id)
        out.raw(",\"seats\":")
        write(hold.seats.lazy.map { seats.seats[$0].label }, to: &out)  // no array of labels made first
        out.raw(",\"total\":")
        out.integer(seats.total(of: hold.seats))
        out.raw(",\"currency\":")
        out.string(currency)
        out.raw(hold.paying ? ",\"status\":\"checking_out\",\"expires_at\":" : ",\"status\":\"live\",\"expires_at\":")
        out.timestamp(SeatWord.unix(seconds: hold.expiry))
        out.raw(",\"created_at\":")
        out.timestamp(hold.createdUnix)
        if let replaced {
            out.raw(",\"replaced\":")
            PublicID.writeHold(seats.id, replaced, to: &out)
        }
        out.raw("}")
        return out.bytes
    }

    /// A checkout's answer: the booking, confirmed and captured.
    static func confirmed(showtime: Int64, number: UInt32, labels: [String], totalCents: Int, currency: String,
                          intent: String, createdUnix: Int64) -> [UInt8] {
        var out = JSONBuffer(capacity: 320)
        out.raw("{\"id\":")
        PublicID.writeBooking(showtime, number, to: &out)
        out.raw(",\"showtime_id\":")
        out.integer(showtime)
        out.raw(",\"seats\":")
        write(labels, to: &out)
        out.raw(",\"total\":")
        out.integer(totalCents)
        out.raw(",\"currency\":")
        out.string(currency)
        out.raw(",\"status\":\"confirmed\",\"payment\":{\"intent\":")
        out.string(intent)
        out.raw(",\"status\":\"captured\"},\"created_at\":")
        out.timestamp(createdUnix)
        out.raw("}")
        return out.bytes
    }

    /// `["F7","F8"]`.
    private static func write<Labels: Sequence<String>>(_ labels: Labels, to out: inout JSONBuffer) {
        out.raw("[")
        for (index, label) in labels.enumerated() {
            if index > 0 { out.raw(",") }
            out.string(label)
        }
        out.raw("]")
    }

    /// `["F7","F8"]`, for error details.
    static func labels(_ labels: [String]) -> String {
        var out = JSONBuffer(capacity: 8 + labels.count * 6)
        write(labels, to: &out)
        return out.text
    }
}
