// swift-tools-version: 6.1
// Benchmark harnesses, kept out of the main package so the default build and test stay lean.
// Build: swift build -c release --package-path Benchmarks --scratch-path .build-bench
// (or run scripts/bench/hnsw.sh, which does it).

import PackageDescription

let package = Package(
    name: "QuarryBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Quarry", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "quarry-bench",
            dependencies: [.product(name: "QuarryIndex", package: "Quarry")]
        ),
    ]
)
