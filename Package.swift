// swift-tools-version:6.0
// Marquee: a movie-theater reservation backend. See README.md and
// ARCHITECTURE notes there for how the targets depend on each other:
// codecs and the seat store know nothing of sockets or SQL, and only one
// target imports each C library.
import PackageDescription

let package = Package(
    name: "Marquee",
    products: [
        .executable(name: "marquee", targets: ["Marquee"]),
        .executable(name: "marquee-fuzz-http", targets: ["MarqueeFuzzHTTP"]),
        // For Benchmarks/ (a nested package that depends on this one by
        // path): the modules the load generator and microbenchmarks import.
        // Not a supported library API.
        .library(name: "MarqueeCore", targets: ["MarqueeCore"]),
        .library(name: "MarqueeCrypto", targets: ["MarqueeCrypto"]),
        .library(name: "MarqueeHTTP", targets: ["MarqueeHTTP"]),
        .library(name: "MarqueeHTTPClient", targets: ["MarqueeHTTPClient"]),
        .library(name: "MarqueeLoop", targets: ["MarqueeLoop"]),
        .library(name: "MarqueeStore", targets: ["MarqueeStore"]),
        .library(name: "MarqueeUsers", targets: ["MarqueeUsers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // Property-based tests of the seat map against a model (tests only).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        // C libraries, each behind its own module map; see CShims/.
        .systemLibrary(name: "CLibUV", path: "CShims/CLibUV", pkgConfig: "libuv",
                       providers: [.apt(["libuv1-dev"])]),
        .systemLibrary(name: "CLibPQ", path: "CShims/CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "CShims/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", path: "CShims/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CMarqueeShims", path: "CShims/CMarqueeShims"),

        // Pure Swift, no I/O, no C imports: seat words, the seat map, the seat
        // picker and the expiry wheel.
        .target(name: "MarqueeCore"),
        // The seat rules: hold records and limits, expiry, the checkout state
        // machine. Pure Swift over MarqueeCore: no I/O, no clock read, no HTTP.
        .target(name: "MarqueeSeating", dependencies: ["MarqueeCore"]),
        // I/O-free HTTP/1.1 and WebSocket codec, router and error shape; the only
        // importer of CZlib (WebSocket permessage-deflate).
        .target(name: "MarqueeHTTP", dependencies: ["CZlib"]),
        // The only importer of CLibUV: shard loops, TCP, timers, cross-shard
        // wakeups and the lock-free queue that carries them.
        .target(name: "MarqueeLoop", dependencies: ["CLibUV", "CMarqueeShims"]),
        // The only importer of CLibPQ: nonblocking pipelined connections, migrations.
        .target(name: "MarqueeStore", dependencies: [
            "CLibPQ", "MarqueeLoop", .product(name: "Logging", package: "swift-log"),
        ]),
        // The only importer of COpenSSL: hashing, HMAC, scrypt, random bytes, and an
        // I/O-free TLS session (client, and a server for tests) over memory BIOs.
        .target(name: "MarqueeCrypto", dependencies: ["COpenSSL"]),
        // Payment providers behind one protocol: the built-in mock now, Stripe later.
        .target(name: "MarqueePayments", dependencies: ["MarqueeLoop"]),
        // An HTTP/1.1 client over MarqueeLoop's TCP, the TLS session and the
        // response parser: a keep-alive pool per host on one loop. No C imports.
        .target(name: "MarqueeHTTPClient", dependencies: ["MarqueeLoop", "MarqueeHTTP", "MarqueeCrypto"]),
        // The Stripe provider: PaymentIntents over MarqueeHTTPClient's HTTPS,
        // form bodies, idempotency keys, retries within a budget.
        .target(name: "MarqueeStripe", dependencies: [
            "MarqueePayments", "MarqueeHTTPClient", "MarqueeHTTP", "MarqueeLoop", "MarqueeCrypto",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Wires loops, codecs and handlers into a server; no C imports of its own.
        // Serves openapi.json, embedded at build time (plugin EmbedOpenAPI).
        .target(name: "MarqueeServer", dependencies: [
            "MarqueeHTTP", "MarqueeLoop", "MarqueeStore", "MarqueeCrypto", "CMarqueeShims",
            .product(name: "Logging", package: "swift-log"),
        ], plugins: ["EmbedOpenAPI"]),
        // Build-time tool and plugin: the repository's openapi.json as a Swift string.
        .executableTarget(name: "MarqueeEmbed"),
        .plugin(name: "EmbedOpenAPI", capability: .buildTool(), dependencies: ["MarqueeEmbed"]),
        // Users: sign-up, login, access tokens, roles.
        .target(name: "MarqueeUsers", dependencies: ["MarqueeServer", "MarqueeHTTP", "MarqueeCrypto", "MarqueeLoop"]),
        // The catalog API: movies, people, theaters, showtimes; reads and admin writes.
        .target(name: "MarqueeCatalog", dependencies: ["MarqueeServer", "MarqueeHTTP", "MarqueeStore", "MarqueeUsers", "MarqueeCrypto"]),
        // The seat engine over HTTP: seat maps, holds, checkout, bookings, group commit.
        .target(name: "MarqueeBooking", dependencies: [
            "MarqueeCore", "MarqueeSeating", "MarqueeServer", "MarqueeHTTP", "MarqueeStore", "MarqueeLoop", "MarqueeUsers",
            "MarqueeCatalog", "MarqueePayments", "MarqueeCrypto", .product(name: "Logging", package: "swift-log"),
        ]),
        // Live seat maps over WebSocket: per-shard watcher hubs, the owner
        // shard's change feed, the watcher limits; and the WebSocket echo for
        // conformance suites. Reaches the seat engine through ShowtimeOwner only.
        .target(name: "MarqueeLive", dependencies: [
            "MarqueeBooking", "MarqueeCore", "MarqueeSeating", "MarqueeServer", "MarqueeHTTP", "MarqueeLoop", "MarqueeUsers",
        ]),
        // The `marquee` binary: command-line interface only.
        .executableTarget(name: "Marquee", dependencies: [
            "MarqueeServer", "MarqueeStore", "MarqueeCatalog", "MarqueeUsers", "MarqueeCrypto", "MarqueeBooking",
            "MarqueeLive", "MarqueeHTTP", "MarqueeLoop", "MarqueeStripe",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // libFuzzer entry for the HTTP parser; without -sanitize=fuzzer it replays a corpus.
        .executableTarget(name: "MarqueeFuzzHTTP", dependencies: ["MarqueeHTTP"],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),

        // Shared by the test targets: a blocking socket and WebSocket client,
        // process and database helpers, the one real-server fixture
        // (MarqueeTestServer, with BookingFixture's theater on it), and a
        // test HTTP(S) server on a loop of its own (TestHTTPServer).
        .target(name: "MarqueeTestSupport", dependencies: [
            "MarqueeServer", "MarqueeStore", "MarqueeCatalog", "MarqueeUsers", "MarqueeBooking", "MarqueeLive", "MarqueeCrypto",
            "MarqueeLoop", "MarqueeHTTP",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/MarqueeTestSupport"),
        .testTarget(name: "MarqueeCoreTests", dependencies: [
            "MarqueeCore", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        // The seat rules without a server, a database or a sleep.
        .testTarget(name: "MarqueeSeatingTests", dependencies: ["MarqueeSeating", "MarqueeCore"]),
        .testTarget(name: "MarqueeHTTPTests", dependencies: ["MarqueeHTTP", "MarqueeTestSupport"]),
        // One test target per source target; the real-server ones share MarqueeTestServer.
        .testTarget(name: "MarqueeCatalogTests", dependencies: [
            "MarqueeCatalog", "MarqueeServer", "MarqueeStore", "MarqueeTestSupport", "MarqueeUsers", "MarqueeLoop",
        ]),
        .testTarget(name: "MarqueeUsersTests", dependencies: [
            "MarqueeUsers", "MarqueeCrypto", "MarqueeStore", "MarqueeTestSupport",
        ]),
        .testTarget(name: "MarqueeBookingTests", dependencies: [
            "MarqueeBooking", "MarqueeLoop", "MarqueeStore", "MarqueeTestSupport",
        ]),
        .testTarget(name: "MarqueeLiveTests", dependencies: ["MarqueeLive", "MarqueeHTTP", "MarqueeTestSupport"]),
        .testTarget(name: "MarqueeCryptoTests", dependencies: ["MarqueeCrypto", "MarqueeTestSupport"]),
        // The client against TestHTTPServer over real sockets and real TLS.
        .testTarget(name: "MarqueeHTTPClientTests", dependencies: [
            "MarqueeHTTPClient", "MarqueeHTTP", "MarqueeLoop", "MarqueeCrypto", "MarqueeTestSupport",
        ]),
        .testTarget(name: "MarqueePaymentsTests", dependencies: ["MarqueePayments", "MarqueeLoop"]),
        // The Stripe provider over real TLS against Tests/FakeStripe (a Python
        // fake of Stripe's API), and a checkout through `marquee serve` with it.
        .testTarget(name: "MarqueeStripeTests", dependencies: [
            "MarqueeStripe", "MarqueePayments", "MarqueeLoop", "MarqueeStore", "MarqueeTestSupport", "Marquee",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "MarqueeStoreTests", dependencies: ["MarqueeStore", "MarqueeLoop", "MarqueeTestSupport"]),
        .testTarget(name: "MarqueeLoopTests", dependencies: ["MarqueeLoop", "MarqueeTestSupport"]),
        .testTarget(name: "MarqueeServerTests", dependencies: [
            "MarqueeServer", "MarqueeHTTP", "MarqueeLoop", "MarqueeTestSupport", "Marquee", "MarqueeStore", "MarqueeUsers",
            "MarqueeCatalog", "MarqueeBooking", "MarqueeLive",
            .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)

// Hot paths cross module boundaries (the router and parser are generic or
// called per request from the server target): let the optimizer inline and
// specialise across them in release builds.
//
// Release builds also drop the run-time exclusivity checks (the compile-time
// ones stay): `swift_beginAccess` and its thread-local access set run on
// every access to a class's stored property on the request path
// (Benchmarks/instructions.sh shows them; BENCHMARKS.md). Debug builds,
// which run the tests, and the Thread Sanitizer runs keep every check.
for target in package.targets where target.type == .regular || target.type == .executable {
    guard target.name.hasPrefix("Marquee") else { continue }
    var settings = target.swiftSettings ?? []
    settings.append(.unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release)))
    target.swiftSettings = settings
}
