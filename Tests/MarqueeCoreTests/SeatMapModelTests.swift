import MarqueeCore
import PropertyBased
import Testing

/// Random operation sequences on a small seat map against a plain
/// sequential model: every outcome and every seat's state must agree.
@Suite("Seat map against a model")
struct SeatMapModelTests {
    enum ModelSeat: Equatable {
        case free, held(UInt32, UInt32), booked(UInt32), blocked

        func state(at now: UInt32) -> SeatWord.State {
            switch self {
            case .free: return .free
            case .held(_, let expiry): return expiry > now ? .held : .free
            case .booked: return .booked
            case .blocked: return .blocked
            }
        }
    }

    static let seatCount = 12

    @Test("holds, releases, extensions, bookings, blocks and time agree with the model")
    func agreesWithModel() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...999_999).array(of: 1...80)) { codes in
            let map = SeatMap(count: Self.seatCount)
            var model = Array(repeating: ModelSeat.free, count: Self.seatCount)
            var holds: [UInt32: [Int]] = [:]
            var now: UInt32 = 10
            var nextID: UInt32 = 1
            for code in codes {
                let a = code % 7, b = (code / 7) % Self.seatCount, c = (code / 84) % 4 + 1, d = (code / 336) % 10
                switch a {
                case 0, 1:  // hold c seats from b, lasting d+1 seconds
                    let seats = (0..<c).map { (b + $0 * (d % 3 + 1)) % Self.seatCount }
                    let distinct = Array(Set(seats))
                    let id = nextID
                    nextID += 1
                    let expiry = now + UInt32(d) + 1
                    let modelFree = distinct.allSatisfy { model[$0].state(at: now) == .free }
                    let outcome = map.hold(distinct, by: id, until: expiry, now: now)
                    #expect((outcome == .held) == modelFree)
                    if modelFree {
                        for seat in distinct { model[seat] = .held(id, expiry) }
                        holds[id] = distinct
                    } else if case .unavailable(let taken) = outcome {
                        #expect(Set(taken) == Set(distinct.filter { model[$0].state(at: now) != .free }))
                    }
                case 2:  // release some hold
                    guard let (id, seats) = holds.randomElement() else { continue }
                    let freed = map.release(seats, by: id)
                    let expected = seats.filter { if case .held(id, _) = model[$0] { return true } else { return false } }
                    #expect(Set(freed) == Set(expected))
                    for seat in expected { model[seat] = .free }
                    holds[id] = nil
                case 3:  // book some hold
                    guard let (id, seats) = holds.randomElement() else { continue }
                    let live = seats.allSatisfy { if case .held(id, let e) = model[$0] { return e > now } else { return false } }
                    #expect(map.book(seats, heldBy: id, as: id, now: now) == live)
                    if live { for seat in seats { model[seat] = .booked(id) } }
                    holds[id] = nil
                case 4:  // extend some hold
                    guard let (id, seats) = holds.randomElement() else { continue }
                    let live = seats.allSatisfy { if case .held(id, let e) = model[$0] { return e > now } else { return false } }
                    let expiry = now + UInt32(d) + 5
                    #expect(map.extend(seats, by: id, until: expiry, now: now) == live)
                    if live { for seat in seats { model[seat] = .held(id, expiry) } }
                case 5:  // block or unblock seat b
                    if d < 5 {
                        let free = model[b].state(at: now) == .free || model[b] == .blocked
                        #expect(map.block(b, now: now) == free)
                        if free { model[b] = .blocked }
                    } else {
                        #expect(map.unblock(b) == (model[b] == .blocked))
                        if model[b] == .blocked { model[b] = .free }
                    }
                default:  // time passes
                    now += UInt32(d)
                }
                #expect(map.states(at: now) == model.map { $0.state(at: now) })
            }
        }
    }
}
