import Foundation
import Glibc
import MarqueeLoop

/// One loop's watchers. Loop thread only.
final class WatcherLoop: @unchecked Sendable {
    final class Watcher {
        let slot: Int
        let showtime: Int64
        var tcp: TCPConnection?
        var upgraded = false
        var buffer: [UInt8] = []
        var start = 0
        var states: [UInt8]
        var seq: UInt64 = 0
        var hasSnapshot = false
        init(slot: Int, showtime: Int64, seats: Int) {
            self.slot = slot
            self.showtime = showtime
            states = [UInt8](repeating: 0, count: seats)
        }
    }

    struct Parsed {
        let fromSeq: UInt64
        let seq: UInt64
        /// When the server accepted the delta's oldest change, on this
        /// process's monotonic clock (0 if the delta does not say).
        var acceptedNanos: UInt64 = 0
        /// (seat index, state code)
        let changes: [(Int, UInt8)]
        let snapshot: Bool
        /// A delta's place in `deltaBases` (set when first parsed).
        var delta: Int32 = -1
        /// When its oldest change was accepted (at the latest; see handle).
        var oldestNanos: UInt64 = 0
    }

    let loop: EventLoop
    let port: Int
    let labelIndex: [String: Int]
    let times: ChangeTimes
    let ready: Lock<Int>
    var watchers: [Watcher]
    /// Frames counted, a latency sample per seat change.
    var recorder = Recorder()
    /// A sample per frame: its oldest change.
    var oldestPerFrame = Recorder()
    var measuring = false
    var gaps = 0
    private struct Key: Hashable {
        let snapshot: Bool
        let showtime: UInt64
        let fromSeq: UInt64
        let seq: UInt64
        let count: Int
    }
    private var cache: [Key: Parsed] = [:]
    private var cacheOrder: [Key] = []
    /// Per parsed delta, for each change the time it was accepted at the
    /// latest: the later of its request's send and the delta's stamp (every
    /// change in a delta was accepted at or after its oldest change's stamp,
    /// and after its request was sent). Fixed when the delta is first parsed:
    /// a later request on the same seat must not move it.
    private var deltaBases: [[UInt64]] = []
    /// Each delta's arrival at a watcher while measuring: which, and when.
    /// The per-change latencies are recorded from these after the run
    /// (`finish`), not while it is measured: a sample per change per
    /// watcher, at ten thousand watchers, would be most of this client's
    /// own work, on the cores the server shares.
    private var arrivals: [(delta: Int32, at: UInt64)] = []
    private var measureStart: UInt64 = 0
    private var connecting = 0

    init(loop: EventLoop, port: Int, watchers: [(Int, Int64)], seats: Int, labelIndex: [String: Int], times: ChangeTimes, ready: Lock<Int>) {
        self.loop = loop
        self.port = port
        self.labelIndex = labelIndex
        self.times = times
        self.ready = ready
        self.watchers = watchers.map { Watcher(slot: $0.0, showtime: $0.1, seats: seats) }
    }

    func start() {
        connectNext()
    }

    /// Connects in waves of 200, so the listen backlog never overflows.
    private func connectNext() {
        var started = 0
        for watcher in watchers where watcher.tcp == nil && !watcher.upgraded && started < 200 {
            started += 1
            connecting += 1
            TCPConnection.connect(loop: loop, host: "127.0.0.1", port: port) { [unowned self] result in
                connecting -= 1
                guard case .success(let tcp) = result else { return }
                watcher.tcp = tcp
                tcp.onRead = { [unowned self] bytes in didRead(watcher, bytes) }
                tcp.onReadEnd = { _ in tcp.close() }
                tcp.startReading()
                tcp.write(Array("GET /v1/showtimes/\(watcher.showtime)/live HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".utf8))
                if connecting == 0 { connectNext() }
            }
        }
    }

    private func didRead(_ watcher: Watcher, _ bytes: UnsafeRawBufferPointer) {
        if watcher.start > 0 && watcher.start == watcher.buffer.count {
            watcher.buffer.removeAll(keepingCapacity: true)
            watcher.start = 0
        }
        watcher.buffer.append(contentsOf: bytes)
        if !watcher.upgraded {
            guard let end = find(watcher.buffer, [13, 10, 13, 10]) else { return }
            guard watcher.buffer.count > 12, watcher.buffer[9] == 49, watcher.buffer[10] == 48, watcher.buffer[11] == 49 else {
                watcher.tcp?.close()
                return
            }
            watcher.upgraded = true
            watcher.start = end + 4
        }
        while let (opcode, payload) = nextFrame(watcher) {
            switch opcode {
            case 1: handle(watcher, payload)
            case 9: watcher.tcp?.write(maskedFrame(opcode: 10, payload))
            case 8: watcher.tcp?.close()
            default: break
            }
        }
    }

    private func nextFrame(_ watcher: Watcher) -> (UInt8, ArraySlice<UInt8>)? {
        let buffer = watcher.buffer
        let at = watcher.start
        guard buffer.count - at >= 2 else { return nil }
        var length = Int(buffer[at + 1] & 0x7F)
        var header = 2
        if length == 126 {
            guard buffer.count - at >= 4 else { return nil }
            length = Int(buffer[at + 2]) << 8 | Int(buffer[at + 3])
            header = 4
        } else if length == 127 {
            guard buffer.count - at >= 10 else { return nil }
            length = (0..<8).reduce(0) { $0 << 8 | Int(buffer[at + 2 + $1]) }
            header = 10
        }
        guard buffer.count - at >= header + length else { return nil }
        watcher.start = at + header + length
        return (buffer[at] & 0x0F, buffer[(at + header)..<(at + header + length)])
    }

    private func handle(_ watcher: Watcher, _ payload: ArraySlice<UInt8>) {
        let now = SystemClock.monotonicNanoseconds()
        let key = cacheKey(payload)
        let parsed: Parsed
        if let hit = cache[key] {
            parsed = hit
        } else {
            guard var fresh = parse(payload) else { return }
            if !fresh.snapshot {
                let accepted = fresh.acceptedNanos
                let bases = fresh.changes.map { seat, _ in max(times.load(showtime: watcher.slot, seat: seat), accepted) }
                fresh.oldestNanos = accepted > 0 ? accepted : bases.min() ?? 0
                fresh.delta = Int32(deltaBases.count)
                deltaBases.append(bases)
            }
            parsed = fresh
            cache[key] = fresh
            cacheOrder.append(key)
            if cacheOrder.count > 512 { cache[cacheOrder.removeFirst()] = nil }
        }
        if parsed.snapshot {
            for (seat, state) in parsed.changes { watcher.states[seat] = state }
            watcher.seq = parsed.seq
            if !watcher.hasSnapshot {
                watcher.hasSnapshot = true
                ready.withLock { $0 += 1 }
            }
            return
        }
        guard watcher.hasSnapshot else { return }
        if parsed.fromSeq != watcher.seq + 1 {
            gaps += 1
            watcher.hasSnapshot = false
            ready.withLock { $0 -= 1 }
            watcher.tcp?.write(maskedFrame(opcode: 1, Array(#"{"type":"resync"}"#.utf8)[...]))
            return
        }
        watcher.seq = parsed.seq
        // One exclusive access to the map per frame, not one per change:
        // per-change access checks were a fifth of this client's CPU.
        watcher.states.withUnsafeMutableBufferPointer { states in
            for (seat, state) in parsed.changes { states[seat] = state }
        }
        if measuring {
            if measureStart == 0 { measureStart = now }
            let second = Int((now - measureStart) / 1_000_000_000)
            recorder.count(status: 200, second: second)
            oldestPerFrame.record(status: 200, micros: Self.micros(since: parsed.oldestNanos, now: now), second: second)
            arrivals.append((parsed.delta, now))
        }
    }

    /// The per-change latencies of every delta that arrived while measuring.
    private func recordArrivals() {
        withUnsafeMutablePointer(to: &recorder) { recorder in
            for (delta, now) in arrivals {
                for base in deltaBases[Int(delta)] { recorder.pointee.recordLatency(micros: Self.micros(since: base, now: now)) }
            }
        }
        arrivals = []
    }

    /// Microseconds from a change's request to now; 0 when unknown (a seat
    /// the writers never touched, or a time stored after `now` was read).
    private static func micros(since changed: UInt64, now: UInt64) -> UInt64 {
        changed == 0 || changed == .max || changed > now ? 0 : (now - changed) / 1_000
    }

    /// Messages are keyed by kind, showtime, seq range and size, read from the
    /// bytes without making a string: every watcher of a loop gets the same
    /// frame, and only the first one of them parses it.
    private func cacheKey(_ payload: ArraySlice<UInt8>) -> Key {
        payload.withUnsafeBufferPointer { bytes in
            // The fields sit in the first hundred bytes, in this order.
            let head = UnsafeBufferPointer(rebasing: bytes.prefix(120))
            var at = 0
            func number(after name: StaticString) -> UInt64 {
                let needle = UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
                guard let found = Self.find(needle, in: head, from: at) else { return 0 }
                var value: UInt64 = 0
                at = found + needle.count
                while at < head.count, head[at] >= 48, head[at] <= 57 {
                    value = value * 10 + UInt64(head[at] - 48)
                    at += 1
                }
                return value
            }
            let snapshot = bytes.count > 10 && bytes[9] == UInt8(ascii: "s")  // {"type":"s...
            // Deltas of one seq can differ in where they start (phase-shifted
            // groups, watchers rebased after a snapshot): from_seq is in the key.
            let showtime = number(after: "\"showtime\":")
            let fromSeq = snapshot ? 0 : number(after: "\"from_seq\":")
            return Key(snapshot: snapshot, showtime: showtime, fromSeq: fromSeq, seq: number(after: "\"seq\":"), count: bytes.count)
        }
    }

    /// Where `needle` starts in `bytes` at or after `start` (a byte scan:
    /// slices' generic `elementsEqual` was a tenth of this client's own CPU).
    private static func find(_ needle: UnsafeRawBufferPointer, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard needle.count > 0, bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
        let first = needle[0]
        for index in start...(bytes.count - needle.count) where bytes[index] == first {
            if memcmp(bytes.baseAddress! + index, needle.baseAddress!, needle.count) == 0 { return index }
        }
        return nil
    }

    private func parse(_ payload: ArraySlice<UInt8>) -> Parsed? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] else { return nil }
        let seq = (object["seq"] as? NSNumber)?.uint64Value ?? 0
        if object["type"] as? String == "snapshot" {
            let seats = object["seats"] as? [[String: Any]] ?? []
            let changes = seats.compactMap { seat -> (Int, UInt8)? in
                guard let label = seat["label"] as? String, let index = labelIndex[label] else { return nil }
                return (index, FanoutWatchers.code(seat["state"] as? String ?? "free"))
            }
            return Parsed(fromSeq: seq, seq: seq, changes: changes, snapshot: true)
        }
        let changes = (object["changes"] as? [[String: String]] ?? []).compactMap { change -> (Int, UInt8)? in
            guard let label = change["seat"], let index = labelIndex[label] else { return nil }
            return (index, FanoutWatchers.code(change["state"] ?? "free"))
        }
        var parsed = Parsed(fromSeq: (object["from_seq"] as? NSNumber)?.uint64Value ?? seq, seq: seq, changes: changes, snapshot: false)
        if let stamp = object["oldest_change_at"] as? String, let millis = FanoutWatchers.unixMilliseconds(stamp) {
            // Rounded down to the millisecond by the server: errs high by under 1 ms.
            parsed.acceptedNanos = UInt64(max(1, millis * 1_000_000 - Self.wallMinusMonotonic))
        }
        return parsed
    }


    /// The wall clock minus the monotonic one (nanoseconds), read once: server
    /// stamps are wall-clock times on this same machine.
    private static let wallMinusMonotonic: Int64 = SystemClock.wallNanoseconds() - Int64(SystemClock.monotonicNanoseconds())

    private func maskedFrame(opcode: UInt8, _ payload: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = [0x80 | opcode, 0x80 | UInt8(payload.count), 1, 2, 3, 4]
        let mask: [UInt8] = [1, 2, 3, 4]
        for (index, byte) in payload.enumerated() { out.append(byte ^ mask[index % 4]) }
        return out
    }

    private func find(_ buffer: [UInt8], _ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        for index in 0...(buffer.count - needle.count) where buffer[index..<(index + needle.count)].elementsEqual(needle) { return index }
        return nil
    }

    func finish() {
        recordArrivals()
        for watcher in watchers { watcher.tcp?.close() }
        loop.allowExit()
    }
}
