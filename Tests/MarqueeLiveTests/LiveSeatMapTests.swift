import Foundation
import MarqueeHTTP
import MarqueeTestSupport
import Testing

/// The live protocol: a snapshot, then deltas in sequence, on every shard.
@Suite("Live seat maps over WebSocket", .serialized)
final class LiveSeatMapTests {
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        fixture = try BookingFixture(server: liveTestServer())
    }

    var livePath: String { "/v1/showtimes/\(fixture.showtime)/live" }

    @Test("a snapshot, then a delta per change in sequence; resync sends a fresh snapshot")
    func snapshotThenDeltas() throws {
        let token = try fixture.customers(1)[0].token
        let socket = try TestWebSocket(port: server.port, path: livePath + "?token=\(token)")
        let snapshot = try #require(try JSONSerialization.jsonObject(with: Data(socket.readText().utf8)) as? [String: Any])
        let seq = try #require(snapshot["seq"] as? Int)
        #expect((snapshot["seats"] as? [Any])?.count == 40)
        let hold = try #require(fixture.hold(["C4", "C5"], token: token).object?["id"] as? String)
        let delta = try #require(try JSONSerialization.jsonObject(with: Data(socket.readText().utf8)) as? [String: Any])
        #expect(delta["type"] as? String == "delta")
        #expect(delta["from_seq"] as? Int == seq + 1 && delta["seq"] as? Int == seq + 1)
        let changes = delta["changes"] as? [[String: String]] ?? []
        #expect(changes == [["seat": "C4", "state": "held"], ["seat": "C5", "state": "held"]])
        #expect(try server.request("DELETE", "/v1/holds/\(hold)", token: token).status == 204)
        let released = try socket.readText()
        #expect(released.contains("\"seq\":\(seq + 2)") && released.contains("{\"seat\":\"C4\",\"state\":\"free\"}"))
        try socket.send(text: #"{"type":"resync"}"#)
        let again = try socket.readText()
        #expect(again.hasPrefix("{\"type\":\"snapshot\"") && again.contains("\"seq\":\(seq + 2)"))
    }

    @Test("watchers on every shard follow holds, releases, bookings and expiries without a gap in their sequence, and converge to the server's seat map")
    func convergence() throws {
        // Its own server: holds that expire within the run, and room for a
        // buyer's holds left to expire beside its next ones.
        let server = try MarqueeTestServer { config in
            config.maxWatchersPerAddress = 12
            config.holdTTLSeconds = 2
            config.maxHoldsPerUserPerShowtime = 10
            config.maxHoldsPerUser = 10
        }
        defer { server.stop() }
        let fixture = try BookingFixture(server: server)
        let path = "/v1/showtimes/\(fixture.showtime)/live"
        // A long read timeout: the run is slow under Thread Sanitizer, and the watchers end when closed.
        let watchers = try (0..<8).map { _ in try TestWebSocket(port: server.port, path: path, timeoutSeconds: 60) }
        let views = watchers.map { _ in WatcherView() }
        let finished = DispatchSemaphore(value: 0)
        for (watcher, view) in zip(watchers, views) {
            Thread {
                while let text = try? watcher.readText() { view.apply(text) }
                finished.signal()
            }.start()
        }

        // Six buyers over the whole house, picks overlapping: conflicts are
        // part of the run, and every other answer is counted by what it did.
        let buyers = try fixture.customers(6)
        let labels = ["A", "B", "C", "D", "E"].flatMap { row in (1...8).map { "\(row)\($0)" } }
        let tally = Tally()
        runConcurrently(buyers.count) { index in
            let token = buyers[index].token
            for round in 0..<20 {
                let pick = Set([labels[(index * 5 + round * 3) % labels.count], labels[(index * 11 + round * 7) % labels.count]])
                do {
                    let held = try fixture.hold(Array(pick), token: token, timeoutSeconds: 30)
                    guard held.status == 201, let hold = held.object?["id"] as? String, let seats = held.object?["seats"] as? [String] else {
                        if held.status == 409 && held.errorCode == "seats_unavailable" { continue }
                        tally.unexpected("hold: \(held)")
                        continue
                    }
                    tally.add(held: seats)
                    switch round {
                    case 0, 10:
                        let paid = try fixture.checkout(hold, token: token, timeoutSeconds: 30)
                        if paid.status == 201 { tally.add(booked: paid.object?["seats"] as? [String] ?? []) } else { tally.unexpected("checkout: \(paid)") }
                    case 2, 7, 12, 17:
                        tally.leave(hold, seats: seats)
                    default:
                        let released = try fixture.server.request("DELETE", "/v1/holds/\(hold)", token: token, timeoutSeconds: 30)
                        if released.status == 204 { tally.add(released: seats) } else { tally.unexpected("release: \(released)") }
                    }
                } catch {
                    tally.unexpected("\(error)")
                }
            }
        }
        #expect(tally.problems.isEmpty, "only seats_unavailable conflicts: \(tally.problems)")

        // The holds left alone expire (the wheel ends them, then their rows say so).
        let left = tally.left
        let leftIDs = left.map { "'\($0.id)'" }.joined(separator: ",")
        let expired = left.isEmpty ? false : try fixture.eventually("""
            SELECT count(*) FROM holds WHERE showtime_id = \(fixture.showtime) AND status = 'expired'
              AND 'hld_' || showtime_id || '_' || hold_no IN (\(leftIDs))
            """, equals: String(left.count), seconds: 20)
        #expect(expired, "the \(left.count) holds left alone expired")
        // Enough of each kind of change to be worth converging on.
        let counts = (held: tally.held.count, released: tally.released.count, booked: tally.booked.count, expired: left.reduce(0) { $0 + $1.seats.count })
        #expect(counts.held >= 40 && counts.released >= 20 && counts.booked >= 6 && counts.expired >= 6, "seats changed: \(counts)")

        // The server's map after the run: what the answers said, and the seq every watcher must reach.
        let truth = try fixture.seats()
        let seq = try #require(truth.object?["seq"] as? Int)
        var states: [String: String] = [:]
        for seat in truth.object?["seats"] as? [[String: Any]] ?? [] { states[seat["label"] as! String] = seat["state"] as? String }
        #expect(states.count == labels.count)
        #expect(Set(states.filter { $0.value == "booked" }.keys) == Set(tally.booked), "booked: the seats of the bookings made")
        #expect(states.values.allSatisfy { $0 == "free" || $0 == "booked" }, "no hold outlives the run")
        _ = eventually(within: 20, pollingEvery: 20) { !views.contains(where: { $0.state.seq < seq }) }
        for (index, view) in views.enumerated() {
            let state = view.state
            #expect(state.seq == seq, "watcher \(index) reached seq \(seq)")
            #expect(state.map == states, "watcher \(index)'s map is the server's")
            #expect(state.snapshots == 1 && state.problems.isEmpty, "watcher \(index): one snapshot, then deltas in sequence: \(state.problems)")
        }
        // Closed by the client: the server answers and the readers end.
        for watcher in watchers { try watcher.send(raw: TestWebSocket.frame(opcode: 8, [0x03, 0xE8])) }
        for _ in watchers { #expect(finished.wait(timeout: .now() + 20) == .success) }
    }

    @Test("watchers that leave are dropped from the list; the ones that stay keep getting every delta")
    func leaving() throws {
        // Several on one shard's list: closing ones in the middle moves others within it.
        var sockets: [TestWebSocket?] = try (0..<6).map { _ in try TestWebSocket(port: server.port, path: livePath) }
        for socket in sockets { _ = try socket?.readText() }
        for index in [1, 3] {
            try sockets[index]?.send(raw: TestWebSocket.frame(opcode: 8, [0x03, 0xE8]))
            #expect(try sockets[index]?.read().closeCode == 1000)
            sockets[index] = nil  // its connection closes: the server drops the watcher then
        }
        #expect(try eventually(within: 5, pollingEvery: 20) { try server.liveWatcherCount() == 4 }, "the two that left are off the lists")
        let token = try fixture.customers(1)[0].token
        #expect(try fixture.hold(["E2"], token: token).status == 201)
        for index in [0, 2, 4, 5] {
            let socket = try #require(sockets[index])
            var text = try socket.readText()
            while !text.contains("\"E2\"") { text = try socket.readText() }
            #expect(text.contains(#"{"seat":"E2","state":"held"}"#), "watcher \(index)")
        }
    }
}

/// What a convergence watcher heard: its map, the seq it reflects, and
/// any break in the protocol (a delta not starting just past its seq).
private final class WatcherView: @unchecked Sendable {
    // @unchecked: every field is behind the lock.
    struct State {
        var map: [String: String] = [:]
        var seq = -1
        var snapshots = 0
        var problems: [String] = []
    }

    private let lock = NSLock()
    private var current = State()

    var state: State { lock.withLock { current } }

    func apply(_ text: String) {
        lock.withLock {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let seq = object["seq"] as? Int else {
                current.problems.append("not a message: \(text.prefix(200))")
                return
            }
            switch object["type"] as? String {
            case "snapshot":
                current.snapshots += 1
                current.map = [:]
                for seat in object["seats"] as? [[String: Any]] ?? [] { current.map[seat["label"] as? String ?? "?"] = seat["state"] as? String }
            case "delta":
                // No resync was asked for: a delta must start just past the last seq.
                let from = object["from_seq"] as? Int ?? -1
                if current.seq < 0 || from != current.seq + 1 || seq < from {
                    current.problems.append("delta \(from)...\(seq) after seq \(current.seq)")
                }
                for change in object["changes"] as? [[String: String]] ?? [] { current.map[change["seat"] ?? "?"] = change["state"] }
            default:
                current.problems.append("unknown message: \(text.prefix(200))")
            }
            current.seq = seq
        }
    }
}

/// The convergence buyers' outcomes: seats held, released and booked,
/// holds left to expire, and any answer other than the expected conflict.
private final class Tally: @unchecked Sendable {
    // @unchecked: every field is behind the lock.
    private let lock = NSLock()
    private var seats: (held: [String], released: [String], booked: [String]) = ([], [], [])
    private var leftHolds: [(id: String, seats: [String])] = []
    private var unexpectedAnswers: [String] = []

    func add(held: [String]) { lock.withLock { seats.held += held } }
    func add(released: [String]) { lock.withLock { seats.released += released } }
    func add(booked: [String]) { lock.withLock { seats.booked += booked } }
    func leave(_ hold: String, seats: [String]) { lock.withLock { leftHolds.append((hold, seats)) } }
    func unexpected(_ what: String) { lock.withLock { unexpectedAnswers.append(what) } }

    var held: [String] { lock.withLock { seats.held } }
    var released: [String] { lock.withLock { seats.released } }
    var booked: [String] { lock.withLock { seats.booked } }
    var left: [(id: String, seats: [String])] { lock.withLock { leftHolds } }
    var problems: [String] { lock.withLock { unexpectedAnswers } }
}
