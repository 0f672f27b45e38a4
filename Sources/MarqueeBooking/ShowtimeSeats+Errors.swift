import MarqueeCore
import MarqueeHTTP
import MarqueeSeating

/// The seat-naming errors of hold and block requests.
extension ShowtimeSeats {
    /// The seat-map indices of `labels`, in order; 422 `unknown_seats`
    /// naming every label this auditorium lacks.
    func indices(of labels: [String]) throws(APIError) -> [Int] {
        var indices: [Int] = []
        indices.reserveCapacity(labels.count)
        for label in labels {
            guard let index = labelIndex[label] else {
                let unknown = labels.filter { labelIndex[$0] == nil }
                throw APIError(.unprocessableContent, code: "unknown_seats", message: "No such seat in this auditorium.",
                               detailsJSON: "\"seats\":\(BookingJSON.labels(unknown))")
            }
            indices.append(index)
        }
        return indices
    }

    /// 409 `seats_blocked` naming the blocked ones among `seats`, or nil.
    func blockedError(_ seats: [Int]) -> APIError? {
        let blocked = seats.filter { map.word($0).storedState == .blocked }
        guard !blocked.isEmpty else { return nil }
        return APIError(.conflict, code: "seats_blocked", message: "These seats are not for sale.",
                        detailsJSON: "\"seats\":\(BookingJSON.labels(labels(of: blocked)))")
    }
}
