import MarqueeCore
import MarqueeHTTP

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
        let mine = Set(seats.holds.values.filter { $0.userID == user && $0.expiry > now }.map(\.number))
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

    static func hold(_ hold: HoldRecord, in seats: ShowtimeSeats, currency: String, replaced: UInt32? = nil) -> String {
        var out = ""
        out.reserveCapacity(256)
        out += "{\"id\":\"\(PublicID.hold(seats.id, hold.number))\",\"showtime_id\":\(seats.id),\"seats\":"
        appendLabels(seats.labels(of: hold.seats), to: &out)
        out += ",\"total\":\(seats.total(of: hold.seats)),"
        out += "\"currency\":\(JSONText.quoted(currency)),\"status\":\"\(hold.paying ? "checking_out" : "live")\","
        out += "\"expires_at\":\"\(ISO8601.format(SeatWord.unix(seconds: hold.expiry)))\","
        out += "\"created_at\":\"\(ISO8601.format(hold.createdUnix))\""
        if let replaced { out += ",\"replaced\":\"\(PublicID.hold(seats.id, replaced))\"" }
        return out + "}"
    }

    static func labels(_ labels: [String]) -> String {
        var out = ""
        appendLabels(labels, to: &out)
        return out
    }

    /// `["F7","F8"]` appended in place (labels are capitals and digits: no escaping).
    static func appendLabels(_ labels: [String], to out: inout String) {
        out += "["
        for (index, label) in labels.enumerated() {
            out += index == 0 ? "\"" : ",\""
            out += label
            out += "\""
        }
        out += "]"
    }
}
