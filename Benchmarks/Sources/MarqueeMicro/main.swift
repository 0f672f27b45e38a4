import Foundation
import Glibc
import MallocInterposerSwift
import MarqueeCore
import MarqueeHTTP
import MarqueeLoop

/// Microbenchmarks of the hot paths, with allocation counting: the HTTP
/// request parse, a seat-map hold and release (the CAS path), routing a
/// hold request, encoding a delta frame for fan-out, and compressing a
/// delta and a 1,000-seat snapshot (permessage-deflate). Each has a
/// ceiling on allocations per operation
/// (Benchmarks/micro-thresholds.json); exceeding one fails the
/// check, so a change that starts allocating on a hot path is caught.
///
///   LD_PRELOAD=<bin>/libMallocInterposerSwift.so marquee-micro [--check] [--out FILE]
/// Run through Benchmarks/micro.sh, which sets LD_PRELOAD. (ordo-one's
/// `benchmark` package would be the usual home for this, but its Swift 6.3
/// build needs swift-runtime-interposer, which this machine's package
/// mirror lacks; its malloc interposer is used directly instead.)
struct Measure {
    let name: String
    let iterations: Int
    let body: () -> Void
}

@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

func run(_ measure: Measure) -> (nanosPerOp: Double, mallocsPerOp: Double) {
    for _ in 0..<min(1_000, measure.iterations) { measure.body() }  // warm caches and lazy state
    MallocInterposerSwift.reset()
    MallocInterposerSwift.hook()
    let start = SystemClock.monotonicNanoseconds()
    for _ in 0..<measure.iterations { measure.body() }
    let elapsed = SystemClock.monotonicNanoseconds() - start
    MallocInterposerSwift.unhook()
    let stats = MallocInterposerSwift.getStatistics()
    return (Double(elapsed) / Double(measure.iterations), Double(stats.mallocCount) / Double(measure.iterations))
}

MallocInterposerSwift.initialize()
let request = Array("POST /v1/showtimes/42/holds HTTP/1.1\r\nHost: marquee\r\nAuthorization: Bearer abc.def.ghi\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n{\"seats\":[\"F7\",\"F8\"]}\n".utf8)
var parser = HTTPParser()
let map = SeatMap(count: 1_000)
var holdNumber: UInt32 = 0
let seats = [417, 418, 419, 420]
let delta = Array(#"{"type":"delta","showtime":42,"from_seq":101,"seq":103,"changes":[{"seat":"F7","state":"held"},{"seat":"F8","state":"held"},{"seat":"G2","state":"free"}]}"#.utf8)
var frame: [UInt8] = []
frame.reserveCapacity(512)
var router = Router()
for (index, route) in ["/healthz", "/v1/movies", "/v1/movies/{id:int}", "/v1/showtimes/{id:int}", "/v1/showtimes/{id:int}/seats",
                       "/v1/showtimes/{id:int}/holds", "/v1/showtimes/{id:int}/live", "/v1/holds/{id}", "/v1/holds/{id}/checkout",
                       "/v1/bookings/{id}", "/v1/me/bookings"].enumerated() {
    router.add(.POST, route, endpoint: index)
}
let holdPath: Substring = "/v1/showtimes/42/holds"
// A 1,000-seat snapshot as the live endpoint sends it (40 rows of 25).
let snapshot = Array(("{\"type\":\"snapshot\",\"showtime\":42,\"seq\":17,\"seats\":[" + (0..<1_000).map { index in
    let row = String(UnicodeScalar(UInt8(65 + index / 25 % 26))) + (index >= 650 ? "A" : "")
    let state = ["free", "free", "held", "booked"][index * 7 % 4]
    return "{\"label\":\"\(row)\(index % 25 + 1)\",\"row\":\"\(row)\",\"column\":\(index % 25 + 1),\"category\":\"standard\","
        + "\"price_cents\":1250,\"aisle_after\":\(index % 25 == 12),\"state\":\"\(state)\",\"mine\":false}"
}.joined(separator: ",") + "]}").utf8)
let deflater = WebSocketDeflater()

let measures = [
    Measure(name: "http_request_parse", iterations: 200_000) {
        request.withUnsafeBytes { parser.append($0) }
        while let event = parser.next() { blackHole(event) }
    },
    Measure(name: "seat_hold_release", iterations: 1_000_000) {
        holdNumber &+= 1
        let outcome = map.hold(seats, by: holdNumber, until: 1_000, now: 1)
        blackHole(outcome)
        map.release(seats, by: holdNumber)
    },
    Measure(name: "route_match", iterations: 1_000_000) {
        blackHole(router.match(.POST, path: holdPath))
    },
    Measure(name: "delta_frame_encode", iterations: 1_000_000) {
        frame.removeAll(keepingCapacity: true)
        delta.withUnsafeBytes { WebSocketEncoder.frame(.text, $0, into: &frame) }
        blackHole(frame.count)
    },
    Measure(name: "delta_deflate", iterations: 100_000) {
        blackHole(deflater.compress(delta).count)
    },
    Measure(name: "snapshot_deflate_1000_seats", iterations: 1_000) {
        blackHole(deflater.compress(snapshot).count)
    },
]
print(String(format: "permessage-deflate: delta %d -> %d bytes, 1,000-seat snapshot %d -> %d bytes", delta.count,
             deflater.compress(delta).count, snapshot.count, deflater.compress(snapshot).count))

let arguments = CommandLine.arguments
let check = arguments.contains("--check")
let thresholdsPath = arguments.firstIndex(of: "--thresholds").map { arguments[$0 + 1] } ?? "Benchmarks/micro-thresholds.json"
let thresholds = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: thresholdsPath)))) as? [String: Double] ?? [:]
var results: [String: [String: Double]] = [:]
var failed = false
for measure in measures {
    let (nanos, mallocs) = run(measure)
    results[measure.name] = ["ns_per_op": nanos, "mallocs_per_op": mallocs]
    var line = String(format: "%-22@ %9.1f ns/op  %6.2f mallocs/op", measure.name as NSString, nanos, mallocs)
    if let ceiling = thresholds[measure.name] {
        line += String(format: "  (ceiling %.2f)", ceiling)
        if mallocs > ceiling + 0.01 {
            line += "  OVER"
            failed = true
        }
    }
    print(line)
}
if let index = arguments.firstIndex(of: "--out") {
    let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: URL(fileURLWithPath: arguments[index + 1]))
}
if check && failed {
    print("micro: an allocation ceiling was exceeded")
    exit(1)
}
