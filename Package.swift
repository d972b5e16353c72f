// swift-tools-version:6.0
// MallSettle: batch settlement and reconciliation for an online mall.
import PackageDescription

/// One set of settings for every target (STYLE: SwiftNIO/Hummingbird habit).
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "MallSettle",
    products: [
        .executable(name: "mallsettle", targets: ["mallsettle"]),
    ],
    targets: [
        // C libraries: a module map and a shim header each, nothing else.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib",
                       providers: [.apt(["zlib1g-dev"])]),

        // Pure domain: exact numbers, business time, (later) the mall core.
        .target(name: "MallCore", swiftSettings: swiftSettings),
        // Feed readers and report writers; the only importer of CZlib.
        .target(name: "MallIO", dependencies: ["MallCore", "CZlib"], swiftSettings: swiftSettings),
        // The store; the only importer of CSQLite.
        .target(name: "MallStore", dependencies: ["MallCore", "CSQLite"], swiftSettings: swiftSettings),
        // The settlement pipeline: configuration, staging, posting, sheets, statements.
        .target(name: "Settlement", dependencies: ["MallCore", "MallIO", "MallStore"],
                swiftSettings: swiftSettings),
        // The thin executable.
        .executableTarget(name: "mallsettle", dependencies: ["Settlement", "MallCore", "MallIO", "MallStore"],
                          swiftSettings: swiftSettings),

        .testTarget(name: "MallCoreTests", dependencies: ["MallCore"], swiftSettings: swiftSettings),
        .testTarget(name: "MallIOTests", dependencies: ["MallIO", "MallCore"], swiftSettings: swiftSettings),
        .testTarget(name: "MallStoreTests", dependencies: ["MallStore", "MallCore", "CSQLite"], swiftSettings: swiftSettings),
        .testTarget(name: "SettlementTests", dependencies: ["Settlement", "MallCore", "MallIO", "MallStore"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "EndToEndTests", dependencies: ["MallCore"], swiftSettings: swiftSettings),
    ]
)
