import Foundation
import MarqueeCatalog
import MarqueeCore
import MarqueeHTTP
import MarqueeSeating
import MarqueeStore

/// Builds a showtime's seat map from PostgreSQL on first touch: the layout
/// (with the showtime's prices), admin blocks, booked seats and holds that
/// have not expired. Payments a crash left unsettled are reconciled first
/// (see PaymentReconciler), so the map starts from settled facts.
enum ShowtimeLoader {
    static let sql = """
        SELECT s.status, extract(epoch FROM s.starts_at)::bigint, extract(epoch FROM s.ends_at)::bigint,
               a.layout::text, s.prices::text,
               (SELECT coalesce(json_agg(b.seat), '[]') FROM seat_blocks b WHERE b.showtime_id = s.id)::text,
               (SELECT coalesce(json_agg(json_build_array(k.seat, k.booking_no)), '[]')
                  FROM booked_seats k WHERE k.showtime_id = s.id)::text,
               (SELECT coalesce(json_agg(json_build_array(h.hold_no, h.user_id, h.seats,
                                                          extract(epoch FROM h.expires_at)::bigint,
                                                          extract(epoch FROM h.created_at)::bigint,
                                                          (SELECT coalesce(max(p.attempt), 0) FROM payments p
                                                            WHERE p.showtime_id = h.showtime_id AND p.hold_no = h.hold_no))), '[]')
                  FROM holds h WHERE h.showtime_id = s.id AND h.status = 'live' AND h.expires_at > now())::text,
               greatest((SELECT coalesce(max(hold_no), 0) FROM holds WHERE showtime_id = s.id),
                        (SELECT coalesce(max(booking_no), 0) FROM bookings WHERE showtime_id = s.id),
                        (SELECT coalesce(max(reserved_through), 0) FROM hold_number_blocks WHERE showtime_id = s.id))
        FROM showtimes s JOIN auditoriums a ON a.id = s.auditorium_id
        WHERE s.id = $1
        """

    static func load(_ id: Int64, database: PostgresConnection, reconcile: (Int64, @escaping (APIError?) -> Void) -> Void,
                     plans: SeatingPlanCache, _ completion: @escaping (Result<ShowtimeSeats, APIError>) -> Void) {
        reconcile(id) { reconciled in
            if let error = reconciled {
                completion(.failure(error))
                return
            }
            database.query(sql, [String(id)]) { result in
                switch result {
                case .failure(let error):
                    completion(.failure(APIError(databaseFailure: error)))
                case .success(let rows):
                    guard let row = rows.rows.first else {
                        completion(.failure(.notFound("No such showtime.")))
                        return
                    }
                    do throws(APIError) {
                        completion(.success(try build(id, row, plans: plans)))
                    } catch {
                        completion(.failure(error))
                    }
                }
            }
        }
    }

    private static func json(_ text: String?) -> [Any] {
        guard let text, let value = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any] else { return [] }
        return value
    }

    private static func int(_ value: Any?) -> Int64? { (value as? NSNumber)?.int64Value }

    private static func build(_ id: Int64, _ row: [String?], plans: SeatingPlanCache) throws(APIError) -> ShowtimeSeats {
        let plan = try plans.plan(layout: row[3] ?? "", prices: row[4])
        let highest = UInt32(clamping: Int64(row[8] ?? "0") ?? 0)
        let seats = plan.seats
        let showtime = ShowtimeSeats(id: id, plan: plan, startsAtUnix: Int64(row[1] ?? "0") ?? 0,
                                     endsAtUnix: Int64(row[2] ?? "0") ?? 0, cancelled: row[0] == ShowtimeStatus.cancelled.rawValue,
                                     nextHoldNumber: highest + 1)
        // The map is not shared yet: plain stores are enough.
        for seat in json(row[5]).compactMap(int) where seat < seats.count {
            showtime.map.store(Int(seat), .blocked)
        }
        for case let pair as [Any] in json(row[6]) {
            guard let seat = int(pair.first), let booking = int(pair.last), seat < seats.count else { continue }
            showtime.map.store(Int(seat), .booked(by: UInt32(clamping: booking)))
        }
        for case let hold as [Any] in json(row[7]) {
            guard hold.count == 6, let number = int(hold[0]), let user = int(hold[1]), let seatList = hold[2] as? [NSNumber],
                  let expires = int(hold[3]), let created = int(hold[4]), let attempts = int(hold[5]) else { continue }
            let holdSeats = seatList.map(\.intValue).filter { $0 >= 0 && $0 < seats.count }
            // A seat booked or blocked since stays so; the hold keeps the rest.
            let free = holdSeats.filter { showtime.map.word($0) == .free }
            guard !free.isEmpty else { continue }
            let expiry = SeatWord.seconds(unix: expires)
            let record = HoldRecord(number: UInt32(clamping: number), userID: user, seats: free.sorted(), expiry: expiry,
                                    createdUnix: created, attempts: Int(attempts))
            for seat in free { showtime.map.store(seat, .held(by: record.number, until: expiry)) }
            showtime.holds[record.number] = record
        }
        return showtime
    }
}

/// Seating plans by layout and prices, one per distinct pair, on one owner shard.
final class SeatingPlanCache {
    private var plans: [String: SeatingPlan] = [:]

    func plan(layout json: String, prices override: String?) throws(APIError) -> SeatingPlan {
        let key = json + "\u{0}" + (override ?? "")
        if let plan = plans[key] { return plan }
        let layout = try SeatLayout.decode(json: json)
        var prices = layout.prices
        if let override, let object = try? JSONSerialization.jsonObject(with: Data(override.utf8)) as? [String: NSNumber] {
            prices = object.mapValues { $0.intValue }
        }
        var rowIndex: [String: Int] = [:]
        for (index, label) in layout.rowLabels.enumerated() { rowIndex[label] = index }
        let plan = SeatingPlan(seats: layout.seats.map { seat in
            SeatingPlan.Seat(label: seat.label, row: seat.row, rowIndex: rowIndex[seat.row] ?? 0, column: seat.column,
                             category: seat.category, priceCents: prices[seat.category] ?? seat.priceCents,
                             aisleAfter: seat.aisleAfter)
        })
        plans[key] = plan
        return plan
    }

    /// Drops plans no loaded showtime uses.
    func prune(keeping used: [SeatingPlan]) {
        let live = Set(used.map { ObjectIdentifier($0) })
        plans = plans.filter { live.contains(ObjectIdentifier($0.value)) }
    }
}
