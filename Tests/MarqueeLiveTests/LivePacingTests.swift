import Foundation
import MarqueeHTTP
import MarqueeTestSupport
import Testing

@Suite("Live seat maps: coalescing")
final class LiveCoalescingTests {
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        fixture = try BookingFixture { config in config.liveCoalesceMilliseconds = 1_500 }
    }

    @Test("a lone change goes out at once; after it a watcher gets at most one delta per window slot, and nothing is lost")
    func rateLimitNotDelay() throws {
        let socket = try TestWebSocket(port: server.port, path: "/v1/showtimes/\(fixture.showtime)/live")
        _ = try socket.readText()
        let buyers = try fixture.customers(9)
        let started = Date()
        #expect(try fixture.hold(["A1"], token: buyers[0].token).status == 201)
        let first = try socket.readText()
        let firstArrived = Date()
        #expect(first.contains("\"A1\""))
        // It takes milliseconds: 1 s leaves a loaded machine room and is still short of the window.
        #expect(firstArrived.timeIntervalSince(started) < 1.0, "the first change did not wait for the 1.5 s window")
        // Eight changes over two seconds: with 1.5 s slots, at most three deltas.
        let labels = ["B1", "C1", "D1", "E1", "B2", "C2", "D2", "E2"]
        let beforeB1 = Date()
        var afterB1 = Date()
        for (index, label) in labels.enumerated() {
            if index > 0 { usleep(250_000) }
            #expect(try fixture.hold([label], token: buyers[index + 1].token).status == 201)
            if index == 0 { afterB1 = Date() }
        }
        var deltas: [[String: Any]] = []
        var seen = Set<String>()
        while seen.count < labels.count {
            let delta = try object(socket.readText())
            if deltas.isEmpty {
                // Even when A1 went late in its slot, the next is half a window
                // (0.75 s) later at least; without the limit it would follow in
                // milliseconds. 0.5 leaves room for a late read of the first.
                #expect(Date().timeIntervalSince(firstArrived) > 0.5, "no second delta right after the first")
            }
            deltas.append(delta)
            for change in delta["changes"] as? [[String: String]] ?? [] { seen.insert(change["seat"] ?? "") }
        }
        #expect(deltas.count <= 3, "one delta per slot at most: \(deltas.count)")
        #expect(seen == Set(labels))
        // Stamped when B1 was accepted, not when the slot let the delta go.
        let stamp = try #require(deltas[0]["oldest_change_at"] as? String)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let accepted = try #require(formatter.date(from: stamp), "RFC 3339 with milliseconds: \(stamp)")
        #expect(accepted >= beforeB1.addingTimeInterval(-0.001) && accepted <= afterB1, "\(stamp) within B1's request")
    }

    @Test("a watcher that joins while a delta is gathering gets it numbered from just past its snapshot, not a false gap")
    func joinMidWindow() throws {
        let path = "/v1/showtimes/\(fixture.showtime)/live"
        let early = try TestWebSocket(port: server.port, path: path)
        _ = try early.readText()
        let buyers = try fixture.customers(3)
        #expect(try fixture.hold(["A2"], token: buyers[0].token).status == 201)
        let first = try object(early.readText())
        // Inside the window from here: B2 waits for the next delta.
        #expect(try fixture.hold(["B2"], token: buyers[1].token).status == 201)
        let late = try TestWebSocket(port: server.port, path: path)
        let snapshot = try object(late.readText())
        let seq = try #require(snapshot["seq"] as? Int)
        #expect(seq == (first["seq"] as? Int ?? 0) + 1, "the snapshot has B2")
        #expect(try fixture.hold(["C2"], token: buyers[2].token).status == 201)
        let forEarly = try object(early.readText())
        let forLate = try object(late.readText())
        #expect(forEarly["from_seq"] as? Int == seq && forEarly["seq"] as? Int == seq + 1, "B2 and C2 for the early watcher: \(forEarly)")
        #expect(forLate["from_seq"] as? Int == seq + 1 && forLate["seq"] as? Int == seq + 1, "from just past its snapshot: \(forLate)")
        #expect((forLate["changes"] as? [[String: String]])?.contains(["seat": "C2", "state": "held"]) == true)
    }

    private func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}

@Suite("Live seat maps: phase-shifted groups")
final class LiveGroupTests {
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        fixture = try BookingFixture { config in
            config.liveCoalesceMilliseconds = 1_000
            config.liveGroups = 2
            config.liveGroupSize = 1
        }
    }

    @Test("a showtime's watchers get their deltas in phase-shifted groups, half a window apart, each at most once per window")
    func staggered() throws {
        // Three watchers: on two shards, two of them share one and fall in different groups.
        let sockets = try (0..<3).map { _ in
            try TestWebSocket(port: server.port, path: "/v1/showtimes/\(fixture.showtime)/live", timeoutSeconds: 2)
        }
        for socket in sockets { _ = try socket.readText() }
        let arrivals = (0..<3).map { _ in LockedArray<Date>() }
        let finished = DispatchSemaphore(value: 0)
        for (index, socket) in sockets.enumerated() {
            // A thread each (not a shared queue's): arrival times must not wait for a worker.
            Thread {
                // Until the stream is over and the read times out.
                while (try? socket.readText()) != nil { arrivals[index].append(Date()) }
                finished.signal()
            }.start()
        }
        let buyers = try fixture.customers(24)
        let started = Date()
        for (index, buyer) in buyers.enumerated() {
            let label = "\(["A", "B", "C"][index / 8])\(index % 8 + 1)"
            #expect(try fixture.hold([label], token: buyer.token).status == 201)
            usleep(100_000)
        }
        let span = Date().timeIntervalSince(started)
        for _ in sockets { finished.wait() }
        let times = arrivals.map { $0.values }
        for list in times {
            // The first at once, then one per slot the stream and its last window touch.
            #expect(Double(list.count) <= span + 3, "at most one delta per 1 s window: \(list.count) in \(span) s of changes")
        }
        // After the first delta (every group sends a lone change at once),
        // some two watchers' deltas arrive about half a window apart.
        func offset(_ mine: [Date], from theirs: [Date]) -> Double {
            let gaps = mine.dropFirst().map { time in theirs.map { abs($0.timeIntervalSince(time)) }.min() ?? 0 }
            return gaps.isEmpty ? 0 : gaps.sorted()[gaps.count / 2]
        }
        let offsets = [(0, 1), (0, 2), (1, 2)].map { offset(times[$0.0], from: times[$0.1]) }
        // Half a window is 0.5 s; 0.3 leaves room for deltas a loaded machine sends late.
        #expect(offsets.contains { $0 > 0.3 }, "median gaps between watchers' deltas: \(offsets)")
    }
}
