// swift-tools-version: 6.1
// Quarry: a self-hosted retrieval-augmented generation platform.
// Targets follow ../shared/DESIGN.md; ARCHITECTURE.md says where they diverge and why.
// Every dependency is pinned `exact:` because Package.resolved is not committed.

import PackageDescription

let package = Package(
    name: "Quarry",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "quarry", targets: ["quarry"]),
        .library(name: "QuarryText", targets: ["QuarryText"]),
        .library(name: "QuarryStore", targets: ["QuarryStore"]),
        .library(name: "QuarryIngest", targets: ["QuarryIngest"]),
        .library(name: "QuarryIndex", targets: ["QuarryIndex"]),
        .library(name: "QuarryModels", targets: ["QuarryModels"]),
        .library(name: "QuarryEmbed", targets: ["QuarryEmbed"]),
        .library(name: "QuarryEval", targets: ["QuarryEval"]),
        .library(name: "QuarryDrift", targets: ["QuarryDrift"]),
        .library(name: "QuarryRetrieve", targets: ["QuarryRetrieve"]),
        .library(name: "QuarryGenerate", targets: ["QuarryGenerate"]),
        .library(name: "QuarryPipeline", targets: ["QuarryPipeline"]),
        .library(name: "QuarryWire", targets: ["QuarryWire"]),
        .library(name: "QuarryHTTP", targets: ["QuarryHTTP"]),
        .library(name: "QuarryTrack", targets: ["QuarryTrack"]),
        .library(name: "QuarryServer", targets: ["QuarryServer"]),
        .library(name: "QuarryTesting", targets: ["QuarryTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", exact: "1.35.2"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
    ],
    targets: [
        // C shim over the system ICU: plain C types in the header, every ICU call in the .c file.
        .target(
            name: "CICU",
            exclude: ["README.md"],
            linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc"), .linkedLibrary("icudata")]
        ),
        .target(
            name: "QuarryCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["README.md"]
        ),
        // C shims over Snowball's libstemmer and Google's CLD2 (language identification).
        .target(name: "CStemmer", exclude: ["README.md"], linkerSettings: [.linkedLibrary("stemmer")]),
        .target(name: "CCLD2", exclude: ["README.md"], linkerSettings: [.linkedLibrary("cld2"), .linkedLibrary("stdc++")]),
        .target(name: "QuarryText", dependencies: ["CICU", "CStemmer", "CCLD2", "QuarryCore"], exclude: ["README.md"]),
        // C shim that dlopen()s OpenBLAS after choosing a kernel the CPU supports.
        // OpenBLAS, loaded at run time (sgemm for the encoder).
        .target(name: "CBLAS", cSettings: [.unsafeFlags(["-O3"])], linkerSettings: [.linkedLibrary("dl")]),
        // Our own SIMD kernels, cloned per CPU: vector distances (HNSW) and the encoder's
        // element-wise steps (GELU, softmax, layer norm). Not BLAS.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // The encoder's element-wise loops are optimised even in debug builds, so tests and
        // the README's debug-built demo embed at a usable speed.
        .target(name: "QuarryModels", dependencies: ["CBLAS", "CKernels", "QuarryCore", "QuarryText"], exclude: ["README.md"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // The HTTP client every outbound call shares: bounded bodies, deadlines, no redirects,
        // retries with jittered backoff, streamed bodies for server-sent events.
        .target(
            name: "QuarryHTTP",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["README.md"]
        ),
        .target(name: "QuarryEmbed", dependencies: ["QuarryModels", "QuarryCore", "QuarryText", "QuarryHTTP"], exclude: ["README.md"]),
        // A VFS shim keeping a checksum in every page of Quarry's SQLite files (verified on read).
        .target(name: "CSQLitePages", exclude: ["README.md"], cSettings: [.unsafeFlags(["-O2"])], linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(
            name: "QuarryStore",
            dependencies: ["QuarryCore", "CSQLitePages", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["README.md"]
        ),
        .target(
            name: "QuarryIndex",
            dependencies: [
                "CKernels", "QuarryCore", "QuarryText", "QuarryStore", .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "QuarryEval",
            dependencies: ["QuarryCore", "QuarryStore", "QuarryIndex", "QuarryEmbed", "QuarryIngest", "QuarryRetrieve", "QuarryGenerate",
                           "QuarryPipeline", "QuarryWire", "QuarryText", .product(name: "Yams", package: "Yams"),
                           .product(name: "Mustache", package: "swift-mustache")],
            exclude: ["README.md"],
            resources: [.embedInCode("Resources/report.html.mustache")]
        ),
        // The statistics (no I/O) plus the monitors: features from query logs, query files and
        // collections, reports (JSON, self-contained HTML), stored latest reports.
        .target(
            name: "QuarryDrift",
            dependencies: ["QuarryCore", "QuarryText", "QuarryStore", "QuarryIndex", "QuarryRetrieve", "QuarryEmbed", "QuarryTrack",
                           .product(name: "Mustache", package: "swift-mustache")],
            exclude: ["README.md"],
            resources: [.embedInCode("Resources/report.html.mustache")]
        ),
        .target(name: "QuarryIngest", dependencies: ["QuarryCore", "QuarryText", "QuarryStore", "QuarryIndex", "QuarryEmbed"], exclude: ["README.md"]),
        .target(
            name: "QuarryRetrieve",
            dependencies: ["QuarryCore", "QuarryWire", "QuarryText", "QuarryStore", "QuarryIndex", "QuarryEmbed", "QuarryModels", "QuarryHTTP"],
            exclude: ["README.md"]
        ),
        .target(
            name: "QuarryTrack",
            dependencies: ["QuarryCore", "QuarryStore", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["README.md"]
        ),
        .target(
            name: "QuarryServer",
            dependencies: [
                "QuarryCore", "QuarryStore", "QuarryEmbed", "QuarryRetrieve", "QuarryGenerate", "QuarryPipeline", "QuarryWire", "QuarryDrift", "QuarryTrack",
                "QuarryIngest", "QuarryText",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            // The OpenAPI document is compiled into the binary, so a copied `quarry` serves it
            // with no bundle beside it.
            resources: [.embedInCode("Resources/openapi.json")]
        ),
        .target(
            name: "QuarryGenerate",
            dependencies: ["QuarryCore", "QuarryText", "QuarryHTTP", "QuarryModels", "QuarryRetrieve", "QuarryWire", .product(name: "Mustache", package: "swift-mustache")],
            exclude: ["README.md"]
        ),
        // What the HTTP API and --json output carry (clients decode with this alone).
        .target(name: "QuarryWire", dependencies: ["QuarryCore"], exclude: ["README.md"]),
        // The one factory every front end builds retrieval and answering with.
        .target(
            name: "QuarryPipeline",
            dependencies: ["QuarryCore", "QuarryStore", "QuarryEmbed", "QuarryRetrieve", "QuarryGenerate", "QuarryWire"],
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "quarry",
            dependencies: [
                "QuarryCore", "QuarryText", "QuarryStore", "QuarryIngest", "QuarryIndex", "QuarryRetrieve", "QuarryEmbed", "QuarryModels", "QuarryEval",
                "QuarryGenerate", "QuarryPipeline", "QuarryWire", "QuarryTrack", "QuarryServer", "QuarryDrift", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The readers of untrusted bytes as fuzz targets, and their libFuzzer entry point
        // (scripts/reliability/fuzz.sh builds it with -sanitize=fuzzer,address).
        .target(name: "QuarryFuzzTargets", dependencies: [
            "QuarryCore", "QuarryHTTP", "QuarryIndex", "QuarryIngest", "QuarryModels", "QuarryRetrieve",
            .product(name: "Crypto", package: "swift-crypto"),
        ], exclude: ["README.md"]),
        .executableTarget(name: "quarry-fuzz", dependencies: ["QuarryFuzzTargets"]),
        .target(name: "QuarryTesting", dependencies: [
            "QuarryCore", "QuarryStore", "QuarryIngest", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "QuarryCoreTests", dependencies: ["QuarryCore", "QuarryTesting"]),
        .testTarget(name: "QuarryTextTests", dependencies: ["QuarryText", "QuarryTesting"], exclude: ["Fixtures"]),
        .testTarget(name: "QuarryStoreTests", dependencies: ["QuarryStore", "QuarryCore", "QuarryTesting", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "QuarryEvalTests", dependencies: ["QuarryWire", "QuarryEval", "QuarryEmbed", "QuarryCore", "QuarryGenerate", "QuarryPipeline", "QuarryText", "QuarryTesting"]),
        .testTarget(name: "QuarryDriftTests", dependencies: ["QuarryDrift", "QuarryTesting", "QuarryIngest", "QuarryStore", "QuarryEmbed",
                                                     "QuarryTrack", "QuarryCore", "QuarryRetrieve", .product(name: "GRDB", package: "GRDB.swift")],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "QuarryModelsTests", dependencies: ["QuarryModels", "QuarryTesting", "QuarryCore", "CKernels"]),
        .testTarget(name: "QuarryEmbedTests", dependencies: ["QuarryEmbed", "QuarryCore", "QuarryIngest", "QuarryModels", "QuarryText", "QuarryTesting"]),
        .testTarget(name: "QuarryIndexTests", dependencies: ["QuarryIndex", "QuarryCore", "QuarryStore", "QuarryText", "QuarryTesting"]),
        .testTarget(name: "QuarryRetrieveTests", dependencies: ["QuarryWire", "QuarryRetrieve", "QuarryCore", "QuarryText", "QuarryIngest", "QuarryIndex", "QuarryStore", "QuarryEmbed", "QuarryTesting"]),
        .testTarget(name: "QuarryServerTests", dependencies: ["QuarryServer", "QuarryTesting", "QuarryHTTP", "QuarryIngest", "QuarryStore",
                                                      "QuarryEmbed", "QuarryCore", "QuarryTrack", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "QuarryTrackTests", dependencies: ["QuarryTrack", "QuarryCore", "QuarryTesting", "QuarryStore", "QuarryIngest"]),
        .testTarget(name: "QuarryFuzzTargetsTests", dependencies: ["QuarryFuzzTargets", "QuarryIndex", "QuarryTesting"]),
        .testTarget(name: "QuarryHTTPTests", dependencies: ["QuarryHTTP", "QuarryTesting"]),
        .testTarget(name: "QuarryGenerateTests", dependencies: ["QuarryWire", "QuarryGenerate", "QuarryCore", "QuarryStore", "QuarryRetrieve", "QuarryIngest", "QuarryEmbed", "QuarryModels", "QuarryTesting"]),
        .testTarget(name: "QuarryIngestTests", dependencies: ["QuarryIngest", "QuarryCore", "QuarryText", "QuarryStore", "QuarryEmbed", "QuarryTesting", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "QuarryCLITests", dependencies: ["quarry", "QuarryTesting", "QuarryHTTP", "QuarryStore", "QuarryTrack", "QuarryCore",
                                                   .product(name: "GRDB", package: "GRDB.swift")]),
    ]
)
