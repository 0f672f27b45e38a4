import MarqueeCore
import Testing

@Suite("Expiry wheel")
struct ExpiryWheelTests {
    @Test("keys come out at their second, not before, each once")
    func dueInOrder() {
        var wheel = ExpiryWheel<Int>(now: 100, slotCount: 8)
        wheel.add(1, due: 103)
        wheel.add(2, due: 101)
        wheel.add(3, due: 103)
        #expect(wheel.advance(to: 100).isEmpty)
        #expect(wheel.advance(to: 102) == [2])
        #expect(Set(wheel.advance(to: 103)) == [1, 3])
        #expect(wheel.advance(to: 110).isEmpty)
        #expect(wheel.count == 0)
    }

    @Test("an entry more than a lap ahead waits for its own lap")
    func laterLaps() {
        var wheel = ExpiryWheel<Int>(now: 0, slotCount: 4)
        wheel.add(7, due: 9)  // same slot as second 1 and 5
        #expect(wheel.advance(to: 1).isEmpty)
        #expect(wheel.advance(to: 5).isEmpty)
        #expect(wheel.advance(to: 9) == [7])
    }

    @Test("a due time already past fires at the next advance; a long jump visits every slot once")
    func pastAndJumps() {
        var wheel = ExpiryWheel<Int>(now: 50, slotCount: 4)
        wheel.add(1, due: 10)
        wheel.add(2, due: 52)
        wheel.add(3, due: 1_000)
        #expect(wheel.advance(to: 51) == [1])
        #expect(Set(wheel.advance(to: 500)) == [2])
        #expect(wheel.advance(to: 2_000) == [3])
    }
}
