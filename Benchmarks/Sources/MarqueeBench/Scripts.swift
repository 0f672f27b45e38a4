import Foundation
import MarqueeLoop
import MarqueeBenchKit

/// The same request forever (healthz, nginx).
final class FixedScript: Script {
    let request: [UInt8]
    init(_ request: [UInt8]) { self.request = request }
    func nextRequest() -> [UInt8]? { request }
    func handle(_ response: ResponseReader.Response) {}
}

/// Catalog browsing: searches by genre and title, movie pages, showtime lists.
final class BrowseScript: Script {
    private var generator = SystemRandomNumberGenerator()
    let movies: Int
    init(movies: Int) { self.movies = movies }
    func nextRequest() -> [UInt8]? {
        switch Int.random(in: 0..<10, using: &generator) {
        case 0..<3: return Requests.get("/v1/movies/\(Int.random(in: 1...movies, using: &generator))")
        case 3..<5: return Requests.get("/v1/movies?genre=\(["drama", "comedy", "action", "thriller"].randomElement()!)")
        case 5..<7: return Requests.get("/v1/movies?q=\(["the", "night", "star", "love", "man"].randomElement()!)")
        case 7..<9: return Requests.get("/v1/showtimes?movie=\(Int.random(in: 1...movies, using: &generator))")
        default: return Requests.get("/v1/genres")
        }
    }
    func handle(_ response: ResponseReader.Response) {}
}

/// Picks showtimes uniformly or Zipf-skewed (s = 1: the first few showtimes
/// get most of the traffic, like a blockbuster's opening night).
struct ShowtimePicker: Sendable {
    let showtimes: [Int64]
    let cumulative: [Double]?

    /// Each showtime's chance of being picked (for the seat-conflict budget).
    var chances: [Double] {
        guard let cumulative else { return Array(repeating: 1 / Double(showtimes.count), count: showtimes.count) }
        return cumulative.indices.map { cumulative[$0] - ($0 == 0 ? 0 : cumulative[$0 - 1]) }
    }

    init(showtimes: [Int64], zipf: Bool) {
        self.showtimes = showtimes
        if zipf {
            var total = 0.0
            var sums: [Double] = []
            for rank in 1...showtimes.count {
                total += 1 / Double(rank)
                sums.append(total)
            }
            cumulative = sums.map { $0 / total }
        } else {
            cumulative = nil
        }
    }

    func pick<G: RandomNumberGenerator>(using generator: inout G) -> Int64 {
        guard let cumulative else { return showtimes.randomElement(using: &generator)! }
        let draw = Double.random(in: 0..<1, using: &generator)
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < draw { low = middle + 1 } else { high = middle }
        }
        return showtimes[low]
    }
}

/// Hold one random seat of a random showtime, release it, again.
final class HoldReleaseScript: Script {
    private var generator = SystemRandomNumberGenerator()
    let token: String
    let picker: ShowtimePicker
    private var hold: String?
    private(set) var cycles = 0

    init(token: String, picker: ShowtimePicker) {
        self.token = token
        self.picker = picker
    }

    func nextRequest() -> [UInt8]? {
        if let hold {
            return Requests.send("DELETE", "/v1/holds/\(hold)", token: token)
        }
        let showtime = picker.pick(using: &generator)
        let seat = BenchCatalog.label(Int.random(in: 0..<(BenchCatalog.rows * BenchCatalog.columns), using: &generator))
        return Requests.send("POST", "/v1/showtimes/\(showtime)/holds", json: "{\"seats\":[\"\(seat)\"]}", token: token)
    }

    func handle(_ response: ResponseReader.Response) {
        if hold != nil {
            hold = nil
            cycles += 1
        } else if response.status == 201 {
            hold = Requests.field("id", in: response.body)
        }
    }
}

/// Hold the best two seats of a random showtime, check out with the mock
/// provider, again: every 201 checkout is a durable booking.
final class CheckoutScript: Script {
    private var generator = SystemRandomNumberGenerator()
    let token: String
    let picker: ShowtimePicker
    private var hold: String?
    private let counter: BookingCounter

    init(token: String, picker: ShowtimePicker, counter: BookingCounter) {
        self.token = token
        self.picker = picker
        self.counter = counter
    }

    func nextRequest() -> [UInt8]? {
        if let hold {
            return Requests.send("POST", "/v1/holds/\(hold)/checkout", json: #"{"payment_method":"pm_card_visa"}"#, token: token)
        }
        return Requests.send("POST", "/v1/showtimes/\(picker.pick(using: &generator))/holds",
                             json: #"{"best_available":{"count":2}}"#, token: token)
    }

    func handle(_ response: ResponseReader.Response) {
        if response.status >= 400, getenv("BENCH_DEBUG") != nil { print(response.status, hold ?? "-", String(decoding: response.body, as: UTF8.self)) }
        if hold != nil {
            hold = nil
            if response.status == 201 { counter.add() }
        } else if response.status == 201 {
            hold = Requests.field("id", in: response.body)
        }
    }
}

/// One buyer of a flash sale: hold the seats on sale, and if that worked, pay.
final class FlashSaleScript: Script {
    let token: String
    let showtime: Int64
    let seats: [String]
    let log: FlashSaleLog
    private var step = 0
    private var hold: String?
    private var holdStatus = 0
    private var holdErrorCode: String?

    init(token: String, showtime: Int64, seats: [String], log: FlashSaleLog) {
        self.token = token
        self.showtime = showtime
        self.seats = seats
        self.log = log
    }

    func nextRequest() -> [UInt8]? {
        switch step {
        case 0:
            let list = seats.map { "\"\($0)\"" }.joined(separator: ",")
            return Requests.send("POST", "/v1/showtimes/\(showtime)/holds", json: "{\"seats\":[\(list)]}", token: token)
        case 1:
            guard let hold else { return nil }
            return Requests.send("POST", "/v1/holds/\(hold)/checkout", json: #"{"payment_method":"pm_card_visa"}"#, token: token)
        default:
            return nil
        }
    }

    func handle(_ response: ResponseReader.Response) {
        if step == 0 {
            holdStatus = response.status
            holdErrorCode = response.status == 201 ? nil : Refusal.errorCode(in: response.body)
            hold = response.status == 201 ? Requests.field("id", in: response.body) : nil
            step = 1
            if hold == nil { log.add(.init(holdStatus: holdStatus, holdErrorCode: holdErrorCode, bookingID: nil, seats: [])) }
        } else {
            step = 2
            let booking = response.status == 201 ? Requests.field("id", in: response.body) : nil
            log.add(.init(holdStatus: holdStatus, holdErrorCode: holdErrorCode, bookingID: booking, seats: booking == nil ? [] : seats))
        }
    }
}

/// A fan-out writer: hold a random seat of a watched showtime, release it,
/// again; notes when each change was sent, for the watchers' latency.
final class FanoutWriterScript: Script {
    private var generator = SystemRandomNumberGenerator()
    let token: String
    let showtimes: [Int64]
    let times: ChangeTimes
    private var hold: (id: String, slot: Int, seat: Int)?
    private var pending: (slot: Int, seat: Int)?

    init(token: String, showtimes: [Int64], times: ChangeTimes) {
        self.token = token
        self.showtimes = showtimes
        self.times = times
    }

    func nextRequest() -> [UInt8]? {
        let now = SystemClock.monotonicNanoseconds()
        if let hold {
            times.store(showtime: hold.slot, seat: hold.seat, nanos: now)
            return Requests.send("DELETE", "/v1/holds/\(hold.id)", token: token)
        }
        let slot = Int.random(in: 0..<showtimes.count, using: &generator)
        let seat = Int.random(in: 0..<times.seats, using: &generator)
        pending = (slot, seat)
        times.store(showtime: slot, seat: seat, nanos: now)
        return Requests.send("POST", "/v1/showtimes/\(showtimes[slot])/holds", json: "{\"seats\":[\"\(BenchCatalog.label(seat))\"]}", token: token)
    }

    func handle(_ response: ResponseReader.Response) {
        if hold != nil {
            hold = nil
        } else if response.status == 201, let id = Requests.field("id", in: response.body), let pending {
            hold = (id, pending.slot, pending.seat)
        }
    }
}

/// Reads one response body (the truth for the convergence check).
final class CaptureScript: Script, @unchecked Sendable {
    // @unchecked: one load loop uses it; the caller reads `body` after the run joined.
    let request: [UInt8]
    private(set) var body: [UInt8]?
    init(_ request: [UInt8]) { self.request = request }
    func nextRequest() -> [UInt8]? { body == nil ? request : nil }
    func handle(_ response: ResponseReader.Response) { body = response.body }
}
