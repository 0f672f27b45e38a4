import Foundation
import MarqueeHTTP
import MarqueeTestSupport
import Testing

@Suite("Live seat maps over WebSocket", .serialized)
final class LiveSeatMapTests {
    let server: CatalogTestServer
    let fixture: BookingFixture

    init() throws {
        server = try CatalogTestServer { config in
            config.webSocketEcho = true
            config.maxWatchersPerAddress = 12
            config.maxHoldsPerUser = 10
            config.liveMaxLagMilliseconds = 1_000
        }
        fixture = try BookingFixture(server: server)
    }
    deinit { server.stop() }

    var livePath: String { "/v1/showtimes/\(fixture.showtime)/live" }

    @Test("the handshake is checked: no upgrade is 426, a bad key 400, a good one 101")
    func handshake() throws {
        let plain = try server.request("GET", livePath, token: nil)
        #expect(plain.status == 426)
        #expect(plain.errorCode == "upgrade_required")
        let client = try TestClient(port: server.port)
        try client.send("GET \(livePath) HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n")
        #expect(try client.readResponse().errorCode == "invalid_websocket_handshake")
        let socket = try TestWebSocket(port: server.port, path: livePath)
        #expect(try socket.readText().hasPrefix("{\"type\":\"snapshot\""))
    }

    @Test("echo: fragmented text with a ping inside, binary, and the close handshake")
    func echo() throws {
        let socket = try TestWebSocket(port: server.port, path: "/v1/ws-echo")
        try socket.send(raw: TestWebSocket.frame(opcode: 1, Array("Hel".utf8), fin: false) + TestWebSocket.frame(opcode: 9, [7])
                        + TestWebSocket.frame(opcode: 0, Array("lo".utf8)))
        #expect(try socket.read() == .init(fin: true, opcode: 10, payload: [7]))
        #expect(try socket.read() == .init(fin: true, opcode: 1, payload: Array("Hello".utf8)))
        try socket.send(raw: TestWebSocket.frame(opcode: 2, [0, 255]))
        #expect(try socket.read().payload == [0, 255])
        try socket.send(raw: TestWebSocket.frame(opcode: 8, [0x03, 0xE8]))
        #expect(try socket.read().closeCode == 1000)
        #expect(try socket.client.waitForClose())
    }

    @Test("permessage-deflate: a watcher that offers it gets compressed snapshot and deltas, the same JSON a plain watcher gets")
    func compressed() throws {
        let offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
        let squeezed = try TestWebSocket(port: server.port, path: livePath, headers: offer)
        let plain = try TestWebSocket(port: server.port, path: livePath)
        #expect(squeezed.extensions == "permessage-deflate; server_no_context_takeover")
        #expect(plain.extensions == nil)
        // Offers over two header lines are one list: the first acceptable one is taken.
        let twoLines = "Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\nSec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n"
        let split = try TestWebSocket(port: server.port, path: livePath, headers: twoLines)
        #expect(split.extensions == "permessage-deflate; server_no_context_takeover; server_max_window_bits=10")
        let inflater = WebSocketInflater(noContextTakeover: true)
        func message(_ socket: TestWebSocket) throws -> (compressed: Bool, size: Int, text: String) {
            var frame = try socket.read()
            while frame.opcode == 9 { frame = try socket.read() }
            guard frame.compressed else { return (false, frame.payload.count, frame.text) }
            let text = try inflater.decompress(frame.payload, limit: 1 << 20).get()
            return (true, frame.payload.count, String(decoding: text, as: UTF8.self))
        }
        let snapshot = try message(squeezed)
        let plainSnapshot = try message(plain)
        #expect(snapshot.compressed && !plainSnapshot.compressed)
        #expect(snapshot.text.hasPrefix("{\"type\":\"snapshot\"") && snapshot.text.count == plainSnapshot.text.count)
        #expect(snapshot.size * 4 < plainSnapshot.size, "a snapshot shrinks: \(snapshot.size) of \(plainSnapshot.size) bytes")
        let token = try fixture.customers(1)[0].token
        let hold = try #require(fixture.hold(["D2", "D3"], token: token).object?["id"] as? String)
        let delta = try message(squeezed)
        let plainDelta = try message(plain)
        #expect(delta.compressed && delta.text.contains("{\"seat\":\"D2\",\"state\":\"held\"}"))
        #expect(!plainDelta.compressed && plainDelta.text.contains("{\"seat\":\"D2\",\"state\":\"held\"}"))
        #expect(try server.request("DELETE", "/v1/holds/\(hold)", token: token).status == 204)
        #expect(try message(squeezed).text.contains("{\"seat\":\"D2\",\"state\":\"free\"}"))
        // The client's own messages may be compressed too: a compressed resync is understood.
        try squeezed.send(raw: TestWebSocket.frame(opcode: 1, WebSocketDeflater().compress(Array(#"{"type":"resync"}"#.utf8)), compressed: true))
        #expect(try message(squeezed).text.hasPrefix("{\"type\":\"snapshot\""))
    }

    /// Live watchers the server counts over its shards (/metrics).
    private func watcherCount() throws -> Double {
        try server.request("GET", "/metrics", token: nil).text.split(separator: "\n")
            .filter { $0.hasPrefix("marquee_live_watchers{shard=") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    @Test("/metrics shows the live watchers and the window in use, per shard")
    func metrics() throws {
        func gauge(_ name: String) throws -> [Double] {
            try server.request("GET", "/metrics", token: nil).text.split(separator: "\n")
                .filter { $0.hasPrefix(name + "{shard=") }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        }
        let first = try TestWebSocket(port: server.port, path: livePath)
        var second: TestWebSocket? = try TestWebSocket(port: server.port, path: livePath)
        _ = try first.readText()
        _ = try second?.readText()
        #expect(try gauge("marquee_live_watchers").reduce(0, +) == 2)
        #expect(try gauge("marquee_live_window_milliseconds").allSatisfy { $0 == 50 })
        second = nil  // its socket closes
        var left = try gauge("marquee_live_watchers").reduce(0, +)
        for _ in 0..<40 where left != 1 {
            usleep(50_000)
            left = try gauge("marquee_live_watchers").reduce(0, +)
        }
        #expect(left == 1, "a watcher that left is not counted")
    }

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
        let server = try CatalogTestServer { config in
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
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && views.contains(where: { $0.state.seq < seq }) { usleep(20_000) }
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
        let deadline = Date().addingTimeInterval(5)
        while try watcherCount() != 4 && Date() < deadline { usleep(20_000) }
        #expect(try watcherCount() == 4, "the two that left are off the lists")
        let token = try fixture.customers(1)[0].token
        #expect(try fixture.hold(["E2"], token: token).status == 201)
        for index in [0, 2, 4, 5] {
            let socket = try #require(sockets[index])
            var text = try socket.readText()
            while !text.contains("\"E2\"") { text = try socket.readText() }
            #expect(text.contains(#"{"seat":"E2","state":"held"}"#), "watcher \(index)")
        }
    }

    @Test("past the per-address limit the upgrade is refused with 503 too_many_watchers")
    func watcherLimit() throws {
        let kept = try (0..<12).map { _ in try TestWebSocket(port: server.port, path: livePath) }
        let refused = try server.request("GET", livePath, token: nil, headers: [
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13",
        ])
        #expect(refused.status == 503)
        #expect(refused.errorCode == "too_many_watchers")
        _ = kept
    }

    @Test("a watcher that stops reading is cut off, not buffered: what reaches it is what the kernels hold plus 256 KiB, then a 1013 close ends it; the others keep getting deltas")
    func slowWatcher() throws {
        // A big house: each snapshot is about 400 KB, more than the server's
        // limit of unsent bytes per watcher.
        let auditorium = try server.create("/v1/auditoriums", """
            {"theater_id":\(try server.create("/v1/theaters", #"{"name":"Big"}"#)),"name":"Big","layout":{"rows":50,"columns":60,"prices":{"standard":900}}}
            """)
        let showtime = try BookingFixture.addShowtime(server: server, movie: fixture.movie, auditorium: auditorium, startsInSeconds: 3 * 86_400)
        let path = "/v1/showtimes/\(showtime)/live"
        // A small fixed receive buffer for the slow one (the kernel doubles
        // the figure for its bookkeeping): the receiving side then holds
        // little, whatever the machine's settings.
        let receiveBuffer = 64 * 1024
        let slow = try TestWebSocket(port: server.port, path: path, timeoutSeconds: 15, receiveBufferBytes: receiveBuffer)
        let healthy = try TestWebSocket(port: server.port, path: path)
        let snapshotBytes = try healthy.read().payload.count
        // What may reach a watcher that reads nothing: what the kernels hold
        // (the server's send buffer grows up to tcp_wmem's maximum), the
        // documented 256 KiB of unsent bytes the server keeps for it, and the
        // one snapshot that crossed that limit.
        let sendBufferMax = try #require(Int(String(contentsOfFile: "/proc/sys/net/ipv4/tcp_wmem", encoding: .utf8)
            .split(whereSeparator: \.isWhitespace).last ?? ""))
        let allowed = sendBufferMax + 2 * receiveBuffer + 256 * 1024 + snapshotBytes
        // Ask for snapshot after snapshot, far more than fit, and read none.
        // Spaced out, so that each would be answered if the server queued
        // them (a resync that comes while one is being built is folded into it).
        let asked = max(30, 2 * allowed / snapshotBytes)
        for _ in 0..<asked {
            try slow.send(text: #"{"type":"resync"}"#)
            usleep(30_000)
        }
        // The others are served as usual meanwhile.
        let token = try fixture.customers(1)[0].token
        let started = Date()
        #expect(try fixture.hold(["A1"], token: token, showtime: showtime).status == 201)
        var delta = try healthy.readText()
        while delta.hasPrefix("{\"type\":\"snapshot\"") { delta = try healthy.readText() }
        #expect(delta.contains("\"A1\""))
        // Promptly; 2 s is far above what it takes, for a loaded machine.
        #expect(Date().timeIntervalSince(started) < 2)
        // The server's verdict cannot be watched for: reading would drain the
        // backlog and cure the lag. It falls within the lag limit (1 s) plus
        // one pass of the laggard check (each second) of the lag's start, early
        // in the resyncs, and the server then gives the peer 5 s to answer its
        // close before dropping the connection. Reading 3 s after the last
        // resync leaves a margin on both sides.
        usleep(3_000_000)
        var frames: [TestWebSocket.Frame] = []
        while frames.last?.opcode != 8 { frames.append(try slow.read()) }
        #expect(frames.last?.closeCode == 1013, "the stuck watcher is closed with 1013 (try again later)")
        // Answered as a client does: nothing follows the close but the end of the connection.
        try slow.send(raw: TestWebSocket.frame(opcode: 8, [0x03, 0xF5]))
        #expect(try slow.client.waitForClose(), "the server ends the connection after the close")
        #expect(slow.client.unreadBytes == 0, "no frame after the 1013 close")
        let snapshots = frames.filter { $0.opcode == 1 && $0.text.hasPrefix("{\"type\":\"snapshot\"") }.count
        let received = frames.reduce(0) { $0 + $1.payload.count }
        #expect(received <= allowed, "\(received) bytes in \(snapshots) snapshots of \(asked + 1) reached it; at most \(allowed) may")
        #expect(frames.allSatisfy { $0.opcode == 1 && $0.text.hasPrefix("{\"type\":\"snapshot\"") || $0.opcode == 8 }, "only snapshots, then the close")
    }
}

@Suite("Live seat maps: coalescing")
final class LiveCoalescingTests {
    let server: CatalogTestServer
    let fixture: BookingFixture

    init() throws {
        server = try CatalogTestServer { config in config.liveCoalesceMilliseconds = 1_500 }
        fixture = try BookingFixture(server: server)
    }
    deinit { server.stop() }

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
    let server: CatalogTestServer
    let fixture: BookingFixture

    init() throws {
        server = try CatalogTestServer { config in
            config.liveCoalesceMilliseconds = 1_000
            config.liveGroups = 2
            config.liveGroupSize = 1
        }
        fixture = try BookingFixture(server: server)
    }
    deinit { server.stop() }

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
