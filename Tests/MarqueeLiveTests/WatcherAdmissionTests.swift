@testable import MarqueeLive
import Testing

/// The watcher limits without a server: what each admission and leaving
/// does to the total and the per-address counts.
@Suite("Live watcher admission")
struct WatcherAdmissionTests {
    @Test("an address gets its limit and no more; a place given back is taken again")
    func perAddress() {
        let admission = WatcherAdmission(maxTotal: 100, maxPerAddress: 3)
        #expect((0..<3).allSatisfy { _ in admission.admit(from: "10.0.0.1") })
        #expect(!admission.admit(from: "10.0.0.1"), "past its limit")
        #expect(admission.count == 3, "a refusal by address leaves the total as it was")
        admission.left(from: "10.0.0.1")
        #expect(admission.admit(from: "10.0.0.1"), "the place given back")
    }

    @Test("the total bounds every address together; leaving frees a place for anyone")
    func total() {
        let admission = WatcherAdmission(maxTotal: 4, maxPerAddress: 3)
        #expect((0..<3).allSatisfy { _ in admission.admit(from: "10.0.0.1") })
        #expect(admission.admit(from: "10.0.0.2"))
        #expect(!admission.admit(from: "10.0.0.3"), "the total is reached")
        #expect(admission.count == 4)
        admission.left(from: "10.0.0.1")
        #expect(admission.admit(from: "10.0.0.3"))
        #expect(admission.count == 4)
    }
}
