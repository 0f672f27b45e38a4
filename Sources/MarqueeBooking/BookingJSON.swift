import MarqueeCore
import MarqueeHTTP
import MarqueeSeating

/// The JSON shapes of holds and bookings (seat maps: SeatMapEncoding).
enum BookingJSON {
    static func stateName(_ state: SeatWord.State) -> String {
        switch state {
        case .free: return "free"
        case .held: return "held"
        case .booked: return "booked"
        case .blocked: return "blocked"
        }
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
