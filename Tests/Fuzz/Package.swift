// swift-tools-version:6.0
// libFuzzer targets for the parsers that take untrusted input. They link libFuzzer's own main,
// so they build only with the sanitizer flags (see README.md here or Tests/scripts/fuzz.sh):
//   swift build -c debug --sanitize=fuzzer --sanitize=address
import PackageDescription

let targets = ["FuzzGS1", "FuzzDigitalLink", "FuzzHIDReports", "FuzzPrinterStatus", "FuzzTemplate", "FuzzImage"]

let package = Package(
    name: "station-fuzz",
    dependencies: [.package(name: "station", path: "../..")],
    targets: targets.map {
        .executableTarget(name: $0, dependencies: [.product(name: "StationParsers", package: "station")])
    },
    swiftLanguageModes: [.v5]
)
