// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "station",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "station", targets: ["station"]),
        .executable(name: "trace-server", targets: ["trace-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        // C libraries enter only here; each is imported by exactly one Swift module.
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CZBar", pkgConfig: "zbar", providers: [.apt(["libzbar-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CFreeType", pkgConfig: "freetype2", providers: [.apt(["libfreetype-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        .target(name: "USB", dependencies: ["CLibUSB"], exclude: ["README.md"]),
        .target(name: "Barcodes", dependencies: ["CQREncode", "CZBar", "CPNG"]),
        .target(name: "GS1", exclude: ["README.md"]),
        .target(name: "Labels", dependencies: ["Barcodes", "CFreeType", "CZlib", .product(name: "TOMLKit", package: "TOMLKit")], exclude: ["README.md"]),
        .target(name: "EPCIS", dependencies: [.product(name: "Crypto", package: "swift-crypto")], exclude: ["README.md"]),
        .target(name: "Trace", dependencies: [
            "GS1", "EPCIS",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Devices", dependencies: ["Barcodes", "USB", .product(name: "TOMLKit", package: "TOMLKit")]),
        .target(name: "Station", dependencies: [
            "USB", "Barcodes", "Trace", "Devices", "GS1", "EPCIS",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "StationWeb", dependencies: [
            "Station",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "TraceServer", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .executableTarget(name: "station", dependencies: [
            "Station", "StationWeb", "USB", "Trace", "Devices",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "station-bench", dependencies: [
            "Trace", "EPCIS", "GS1",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .executableTarget(name: "trace-server", dependencies: [
            "TraceServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        .testTarget(name: "BarcodesTests", dependencies: ["Barcodes"]),
        .testTarget(name: "GS1Tests", dependencies: ["GS1"]),
        .testTarget(name: "LabelsTests", dependencies: ["Labels", "Barcodes"], resources: [.copy("Golden")]),
        .testTarget(name: "EPCISTests", dependencies: ["EPCIS"], resources: [.copy("Fixtures")]),
        .testTarget(name: "USBTests", dependencies: ["USB"], exclude: ["emulation"]),
        .testTarget(name: "TraceTests", dependencies: ["Trace", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "DevicesTests", dependencies: ["Devices"]),
        .testTarget(name: "StationTests", dependencies: ["Station", "StationWeb", .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v5]
)
