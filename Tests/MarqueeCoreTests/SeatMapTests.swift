import Synchronization
import Foundation
import MarqueeCore
import Testing

@Suite("Seat map")
struct SeatMapTests {
    @Test("a seat word packs state, expiry and owner, and an expired hold reads free")
    func words() {
        let held = SeatWord.held(by: 7, until: 1_000)
        #expect(held.storedState == .held && held.owner == 7 && held.expiry == 1_000)
        #expect(held.state(at: 999) == .held)
        #expect(held.state(at: 1_000) == .free)
        #expect(SeatWord.booked(by: 42).state(at: .max) == .booked)
        #expect(SeatWord.blocked.state(at: 0) == .blocked)
        #expect(SeatWord.held(by: .max, until: 0x3FFF_FFFF).owner == .max)
    }

    @Test("a hold takes all its seats or none, naming the taken ones")
    func allOrNothing() {
        let map = SeatMap(count: 10)
        #expect(map.hold([3, 4], by: 1, until: 100, now: 0) == .held)
        #expect(map.hold([5, 4, 6], by: 2, until: 100, now: 0) == .unavailable([4]))
        #expect(map.word(5) == .free && map.word(6) == .free, "nothing kept from a failed hold")
        #expect(map.hold([5, 6], by: 2, until: 100, now: 0) == .held)
        #expect(map.states(at: 0) == [.free, .free, .free, .held, .held, .held, .held, .free, .free, .free])
    }

    @Test("an expired hold is free for everyone at once, and its owner can no longer book or release it")
    func expiry() {
        let map = SeatMap(count: 4)
        #expect(map.hold([0, 1], by: 1, until: 50, now: 0) == .held)
        #expect(map.hold([1], by: 2, until: 200, now: 50) == .held)
        #expect(!map.book([0, 1], heldBy: 1, as: 9, now: 60))
        #expect(map.release([0, 1], by: 1) == [0], "only the seat still carrying its word")
        #expect(map.word(1).isHeld(by: 2, at: 60))
    }

    @Test("release, extend and book act only on the hold's own seats")
    func lifecycle() {
        let map = SeatMap(count: 6)
        #expect(map.hold([0, 1, 2], by: 1, until: 100, now: 0) == .held)
        #expect(map.release([0], by: 99) == [])
        #expect(map.extend([0, 1, 2], by: 1, until: 500, now: 10))
        #expect(map.word(2).expiry == 500)
        #expect(!map.extend([0, 1, 3], by: 1, until: 900, now: 10))
        #expect(map.word(0).expiry == 500, "a failed extension changes nothing")
        #expect(map.book([0, 1, 2], heldBy: 1, as: 77, now: 400))
        #expect(map.word(1) == .booked(by: 77))
        #expect(map.release([0, 1, 2], by: 1) == [], "booked seats are not released by the hold")
        #expect(map.hold([1], by: 2, until: 1_000, now: 600) == .unavailable([1]))
    }

    @Test("blocked seats cannot be held; taken seats cannot be blocked")
    func blocking() {
        let map = SeatMap(count: 3)
        #expect(map.block(0, now: 0))
        #expect(map.hold([0, 1], by: 1, until: 100, now: 0) == .unavailable([0]))
        #expect(map.hold([1], by: 1, until: 100, now: 0) == .held)
        #expect(!map.block(1, now: 0))
        #expect(map.unblock(0))
        #expect(!map.unblock(2))
        #expect(map.hold([0], by: 2, until: 100, now: 0) == .held)
    }

    @Test("many threads racing for the same seats: every seat has exactly one winner")
    func flashSale() async {
        let map = SeatMap(count: 64)
        let buyers = 16
        let seats = [10, 11, 12, 13]
        let winners = await withTaskGroup(of: Bool.self) { group -> Int in
            for buyer in 0..<buyers {
                group.addTask {
                    map.hold(seats.shuffled(), by: UInt32(buyer + 1), until: 1_000, now: 0) == .held
                }
            }
            var count = 0
            for await won in group where won { count += 1 }
            return count
        }
        #expect(winners == 1)
        let owners = Set(seats.map { map.word($0).owner })
        #expect(owners.count == 1)
    }

    @Test("overlapping holds from many threads never share a seat and never leave a partial hold")
    func overlappingHolds() async {
        let map = SeatMap(count: 32)
        let threads = 8
        let rounds = 2_000
        let violations = await withTaskGroup(of: Int.self) { group -> Int in
            for thread in 0..<threads {
                group.addTask {
                    var generator = SystemRandomNumberGenerator()
                    var bad = 0
                    for round in 0..<rounds {
                        let id = UInt32(thread * rounds + round + 1)
                        let start = Int.random(in: 0..<28, using: &generator)
                        let seats = Array(start..<(start + Int.random(in: 1...4, using: &generator)))
                        switch map.hold(seats, by: id, until: 1_000, now: 0) {
                        case .held:
                            // While we hold them, every seat is ours.
                            if !seats.allSatisfy({ map.word($0).isHeld(by: id, at: 0) }) { bad += 1 }
                            if map.release(seats, by: id).count != seats.count { bad += 1 }
                        case .unavailable(let taken):
                            if taken.isEmpty { bad += 1 }
                            // Nothing of ours may remain after a failed hold.
                            if seats.contains(where: { map.word($0).owner == id && map.word($0).storedState == .held }) { bad += 1 }
                        }
                    }
                    return bad
                }
            }
            var total = 0
            for await bad in group { total += bad }
            return total
        }
        #expect(violations == 0)
        #expect(map.states(at: 0).allSatisfy { $0 == .free }, "every hold was released")
    }

    @Test("holds, releases, expiries and bookings from many threads on a small map keep every invariant")
    func mixedLoad() async {
        let map = SeatMap(count: 24)
        let clock = SharedClock()
        let threads = 6
        let rounds = 3_000
        // Per thread: violations seen, seats booked. Bookings are final, so each
        // booking's seats must stay booked by it to the end.
        let results = await withTaskGroup(of: (bad: Int, booked: [UInt32: [Int]]).self) { group in
            for thread in 0..<threads {
                group.addTask {
                    var bad = 0
                    var booked: [UInt32: [Int]] = [:]
                    for round in 0..<rounds {
                        let id = UInt32(thread * rounds + round + 1)
                        // Thread 0 also moves time on: holds of 1 to 3 seconds expire under the others.
                        if thread == 0 && round % 50 == 0 { clock.seconds.add(1, ordering: .relaxed) }
                        let now = clock.seconds.load(ordering: .relaxed)
                        let start = Int.random(in: 0..<21)
                        let seats = Array(start..<(start + Int.random(in: 1...3)))
                        guard map.hold(seats.shuffled(), by: id, until: now + UInt32.random(in: 1...3), now: now) == .held else {
                            if seats.contains(where: { map.word($0).storedState == .held && map.word($0).owner == id }) { bad += 1 }
                            continue
                        }
                        // Held: no one else may have any of these seats now.
                        if !seats.allSatisfy({ map.word($0).owner == id && map.word($0).storedState == .held }) { bad += 1 }
                        switch round % 3 {
                        case 0:
                            map.release(seats, by: id)
                        case 1:
                            // Book if still live; an expired hold must fail whole.
                            if map.book(seats, heldBy: id, as: id, now: clock.seconds.load(ordering: .relaxed)) {
                                booked[id] = seats
                                if !seats.allSatisfy({ map.word($0) == .booked(by: id) }) { bad += 1 }
                            } else if seats.contains(where: { map.word($0) == .booked(by: id) }) {
                                bad += 1
                            }
                        default:
                            break  // left to expire
                        }
                    }
                    return (bad, booked)
                }
            }
            var bad = 0
            var booked: [UInt32: [Int]] = [:]
            for await result in group {
                bad += result.bad
                booked.merge(result.booked) { a, _ in a }
            }
            return (bad, booked)
        }
        #expect(results.0 == 0)
        // Counts add up: the booked words are exactly the bookings' seats.
        let bookedWords = (0..<map.count).filter { map.word($0).storedState == .booked }
        #expect(bookedWords.count == results.1.values.reduce(0) { $0 + $1.count })
        for (id, seats) in results.1 { #expect(seats.allSatisfy { map.word($0) == .booked(by: id) }) }
    }
}

/// Seconds shared by test threads (relaxed: only monotonic progress matters).
final class SharedClock: Sendable {
    let seconds = Atomic<UInt32>(1)
}
