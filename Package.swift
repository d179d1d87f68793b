// swift-tools-version: 6.0
import PackageDescription

// Layering (arrows point down only):
//   depot -> DepotCommands -> DepotCore
// DepotCore holds the pure rules: no database, no HTTP, no file I/O beyond parsing text it is given.
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
    ],
    targets: [
        .target(
            name: "DepotCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "DepotCommands",
            dependencies: [
                "DepotCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "depot", dependencies: ["DepotCommands"]),
        .executableTarget(name: "DepotBench", dependencies: ["DepotCore"]),
        .testTarget(name: "DepotCoreTests", dependencies: ["DepotCore"]),
        .testTarget(name: "DepotCommandsTests", dependencies: ["DepotCommands", "DepotCore", "depot"]),
    ],
    swiftLanguageModes: [.v6]
)
