import MarqueeHTTP
import MarqueeSeating

/// Admin blocks (house seats, broken seats): a blocked seat cannot be
/// held. Only free seats can be blocked; the words change first (so no hold
/// slips in), then the rows commit, and a failed commit undoes the words.
/// Each statement carries the showtime's lease fence (ShowtimeLease).
extension OwnerShard {
    func block(_ labels: [String], reason: String, in seats: ShowtimeSeats, reply: Reply) {
        guard let database = access.database else { return reply.fail(APIError.databaseUnavailable) }
        let indices: [Int]
        do throws(HoldRefusal) {
            indices = try seats.indices(of: labels)
        } catch {
            return reply.fail(error.apiError(in: seats))
        }
        let now = self.now().seconds
        let newlyBlocked = indices.filter { seats.map.word($0).storedState != .blocked }
        var changed: [Int] = []
        for seat in newlyBlocked {
            guard seats.map.block(seat, now: now) else {
                for undo in changed { _ = seats.map.unblock(undo) }
                let taken = newlyBlocked.filter { seats.map.word($0).state(at: now) != .free && !changed.contains($0) }
                return reply.fail(APIError(.conflict, code: "seats_taken", message: "Held or booked seats cannot be blocked.",
                                           detailsJSON: "\"seats\":\(BookingJSON.labels(seats.labels(of: taken)))"))
            }
            changed.append(seat)
        }
        database.query("""
            INSERT INTO seat_blocks (showtime_id, seat, reason)
            SELECT $1, s, $3 FROM unnest($2::integer[]) AS s WHERE marquee_check_fences(ARRAY[$1]::bigint[], ARRAY[$4]::bigint[])
            ON CONFLICT (showtime_id, seat) DO UPDATE SET reason = excluded.reason
            """, [String(seats.id), PostgresArray.literal(indices), reason, fence(of: seats.id)]) { [self] result in
            if case .failure(let error) = result {
                for seat in changed { _ = seats.map.unblock(seat) }
                // Back without an event: a map encoded meanwhile showed them blocked.
                seats.encoded = nil
                return reply.fail(refusal(error, showtime: seats.id))
            }
            if !changed.isEmpty { seats.emit(.blocked, changed) }
            reply(.json(.ok, "{\"showtime_id\":\(seats.id),\"blocked\":\(BookingJSON.labels(blockedLabels(seats)))}"))
        }
    }

    func unblock(_ label: String, in seats: ShowtimeSeats, reply: Reply) {
        guard let database = access.database else { return reply.fail(APIError.databaseUnavailable) }
        guard let seat = seats.labelIndex[label], seats.map.word(seat).storedState == .blocked else {
            return reply.fail(APIError(.notFound, code: "seat_not_blocked", message: "That seat is not blocked."))
        }
        database.query("""
            DELETE FROM seat_blocks WHERE showtime_id = $1 AND seat = $2 AND marquee_check_fences(ARRAY[$1]::bigint[], ARRAY[$3]::bigint[])
            """, [String(seats.id), String(seat), fence(of: seats.id)]) { [self] result in
            if case .failure(let error) = result {
                return reply.fail(refusal(error, showtime: seats.id))
            }
            if seats.map.unblock(seat) { seats.emit(.unblocked, [seat]) }
            reply(HTTPResponse(status: .noContent))
        }
    }

    func blockedLabels(_ seats: ShowtimeSeats) -> [String] {
        (0..<seats.seats.count).filter { seats.map.word($0).storedState == .blocked }.map { seats.seats[$0].label }
    }
}
