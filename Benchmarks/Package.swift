// swift-tools-version:6.0
// Marquee's benchmarks, a package of their own (SwiftNIO's Benchmarks/ is
// the model) so that the server's manifest, its lock file and its image
// carry none of their dependencies: `marquee-bench`, the load generator
// that run.sh drives, with its testable kit, and `marquee-micro`, the
// microbenchmarks behind micro.sh. The server's modules come from the
// package one folder up, built again here (Benchmarks/.build).
import PackageDescription

let package = Package(
    name: "MarqueeBenchmarks",
    products: [
        .executable(name: "marquee-bench", targets: ["MarqueeBench"]),
        .executable(name: "marquee-micro", targets: ["MarqueeMicro"]),
        .executable(name: "marquee-tls-bench", targets: ["MarqueeTLSBench"]),
    ],
    dependencies: [
        // Named: a path dependency's identity is otherwise its folder's
        // name, which differs from one checkout to the next.
        .package(name: "Marquee", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Latency histograms for the load generator.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
        // Allocation counting for the microbenchmarks (micro.sh).
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.0"),
    ],
    targets: [
        // The load generator's testable logic: load loops, recorders, error
        // budgets, checks and result files.
        .target(name: "MarqueeBenchKit", dependencies: [
            .product(name: "MarqueeHTTP", package: "Marquee"),
            .product(name: "MarqueeLoop", package: "Marquee"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        // `marquee-bench`: the scenarios (a product: operators run it before an on-sale).
        .executableTarget(name: "MarqueeBench", dependencies: [
            "MarqueeBenchKit",
            .product(name: "MarqueeLoop", package: "Marquee"),
            .product(name: "MarqueeStore", package: "Marquee"),
            .product(name: "MarqueeUsers", package: "Marquee"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // `marquee-micro`: hot operations timed, their allocations counted.
        .executableTarget(name: "MarqueeMicro", dependencies: [
            .product(name: "MarqueeCore", package: "Marquee"),
            .product(name: "MarqueeHTTP", package: "Marquee"),
            .product(name: "MarqueeLoop", package: "Marquee"),
            .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
        ]),
        // `marquee-tls-bench`: TLS handshakes per second through the HTTP
        // client, full and resumed (tls-handshakes.sh).
        .executableTarget(name: "MarqueeTLSBench", dependencies: [
            .product(name: "MarqueeCrypto", package: "Marquee"),
            .product(name: "MarqueeHTTPClient", package: "Marquee"),
            .product(name: "MarqueeLoop", package: "Marquee"),
        ]),
        .testTarget(name: "MarqueeBenchTests", dependencies: ["MarqueeBenchKit"]),
    ]
)

// Release builds as the server's (../Package.swift): optimised across
// modules, without the run-time exclusivity checks.
for target in package.targets where target.type == .regular || target.type == .executable {
    var settings = target.swiftSettings ?? []
    settings.append(.unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release)))
    target.swiftSettings = settings
}
