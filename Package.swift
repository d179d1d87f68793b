// swift-tools-version: 6.2
import PackageDescription

// Layering (arrows point down only; Scripts/check-imports.py checks it, docs/architecture.md explains it):
//   depot -> DepotCommands -> (DepotServer -> DepotReports, DepotNotify) -> DepotStore -> DepotCore
// DepotCore holds the pure rules: no database, no HTTP. DepotStore is the SQLite store (GRDB), the workflows that
// change it and the scheduled work that runs them. DepotNotify delivers the outbox's notifications to webhooks.
// DepotTestSupport holds fixtures for the tests only.
let package = Package(
    name: "Depot",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "depot", targets: ["depot"]),
        .library(name: "DepotCore", targets: ["DepotCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/pointfreeco/swift-snapshot-testing", from: "1.19.7"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .target(
            name: "DepotCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "DepotStore",
            dependencies: [
                "DepotCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .target(
            name: "DepotNotify",
            dependencies: [
                "DepotCore",
                "DepotStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "DepotReports",
            dependencies: [
                "DepotCore",
                "DepotStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "DepotServer",
            dependencies: [
                "DepotCore",
                "DepotStore",
                "DepotReports",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            resources: [.copy("Templates"), .copy("OpenAPI")]
        ),
        .target(
            name: "DepotCommands",
            dependencies: [
                "DepotCore",
                "DepotStore",
                "DepotReports",
                "DepotServer",
                "DepotNotify",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "depot", dependencies: ["DepotCommands"]),
        .executableTarget(name: "DepotBench", dependencies: ["DepotCore"]),
        .target(
            name: "DepotTestSupport", dependencies: ["DepotCore", "DepotStore", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/DepotTestSupport"
        ),
        .testTarget(name: "DepotCoreTests", dependencies: ["DepotCore"]),
        .testTarget(
            name: "DepotStoreTests",
            dependencies: [
                "DepotStore", "DepotCore", "DepotTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "DepotReportsTests",
            dependencies: [
                "DepotReports", "DepotStore", "DepotCore", "DepotTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .testTarget(
            name: "DepotServerTests",
            dependencies: [
                "DepotServer", "DepotReports", "DepotStore", "DepotCore", "DepotTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SnapshotTesting", package: "swift-snapshot-testing"),
            ],
            // The pages' HTML as PageSnapshotTests holds it, read by the test through its file path.
            exclude: ["__Snapshots__"]
        ),
        .testTarget(
            name: "DepotNotifyTests",
            dependencies: [
                "DepotNotify", "DepotStore", "DepotCore", "DepotTestSupport", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "DepotCommandsTests", dependencies: ["DepotCommands", "DepotCore", "DepotStore", "DepotTestSupport", "depot"]),
    ],
    swiftLanguageModes: [.v6]
)

// The house rule: a warning is an error in Depot's own targets (dependencies keep their own settings).
for target in package.targets {
    target.swiftSettings = (target.swiftSettings ?? []) + [.treatAllWarnings(as: .error)]
}
