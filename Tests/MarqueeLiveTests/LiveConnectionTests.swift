import Foundation
import MarqueeHTTP
import MarqueeTestSupport
import Testing

/// The live route's connections: the upgrade, compression, the watcher
/// limits and metrics, and a watcher that stops reading.
@Suite("Live seat maps: connections", .serialized)
final class LiveConnectionTests {
    let fixture: BookingFixture
    var server: MarqueeTestServer { fixture.server }

    init() throws {
        fixture = try BookingFixture(server: liveTestServer())
    }

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

    @Test("/metrics shows the live watchers and the window in use, per shard")
    func metrics() throws {
        let first = try TestWebSocket(port: server.port, path: livePath)
        var second: TestWebSocket? = try TestWebSocket(port: server.port, path: livePath)
        _ = try first.readText()
        _ = try second?.readText()
        #expect(try server.gauge("marquee_live_watchers").reduce(0, +) == 2)
        #expect(try server.gauge("marquee_live_window_milliseconds").allSatisfy { $0 == 50 })
        second = nil  // its socket closes
        #expect(try eventually(within: 5, pollingEvery: 50) { try server.gauge("marquee_live_watchers").reduce(0, +) == 1 },
                "a watcher that left is not counted")
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
