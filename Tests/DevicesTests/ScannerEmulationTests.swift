import Foundation
import Testing

/// Replays scanner reports through umockdev-emulated USB devices to the real readers.
///
/// `emulatedScannersThroughHarness` starts `emulation/scanner_harness.py`, which builds the
/// fake scanners and, once per scenario, re-runs *this test binary* under `umockdev-wrapper`
/// filtered to `runsScannerScenarioInsideHarness`, with `SCANNER_HARNESS=1` and
/// `USB_SCENARIO=<name>`. The harness queues the scenario's reports, unplugs and re-plugs the
/// scanner while the reader runs, and judges both the events printed and what the devices saw.
/// Skipped where umockdev or Debian's python3 with `gi` is missing.
@Suite struct ScannerEmulationTests {
    static let environment = ProcessInfo.processInfo.environment
    static let harness = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("emulation/scanner_harness.py").path

    /// umockdev-wrapper, /usr/bin/python3 and its UMockdev GI bindings are all present.
    static let emulationAvailable: Bool = {
        guard environment["SCANNER_HARNESS"] != "1", environment["USB_EMULATED"] != "1",
              FileManager.default.isExecutableFile(atPath: "/usr/bin/umockdev-wrapper"),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
              FileManager.default.fileExists(atPath: harness) else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        probe.arguments = ["-c", "import gi; gi.require_version('UMockdev', '1.0'); from gi.repository import UMockdev"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    /// The harness side: runs only in a normal `swift test`.
    @Test(.enabled(if: emulationAvailable, "needs umockdev-wrapper and /usr/bin/python3 with gi"),
          .timeLimit(.minutes(3)))
    func emulatedScannersThroughHarness() throws {
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.harness, "--",
                             testBinary, "--testing-library", "swift-testing", "--filter", "runsScannerScenarioInsideHarness"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n")

        for line in lines where line.hasPrefix("FAIL ") {
            Issue.record("emulated scanner check failed: \(line.dropFirst(5))")
        }
        let passed = lines.filter { $0.hasPrefix("ok   ") }.count
        let summary = lines.last { $0.hasSuffix(" failed") }.map(String.init) ?? "no summary"
        #expect(process.terminationStatus == 0, "harness output:\n\(text)")
        #expect(summary == "\(passed) passed, 0 failed")
        let ran = lines.filter { $0.hasPrefix("ok   ") && $0.hasSuffix(": target exited 0") }.count
        let skipped = lines.filter { $0.hasPrefix("skip ") }.count
        #expect(ran + skipped == ScannerEmulatedScenarios.names.count, "harness output:\n\(text)")
    }

    /// The device side: runs only inside the harness, in the emulated environment.
    @Test(.enabled(if: environment["SCANNER_HARNESS"] == "1", "runs inside emulation/scanner_harness.py only"))
    func runsScannerScenarioInsideHarness() async throws {
        let scenario = try #require(Self.environment["USB_SCENARIO"], "USB_SCENARIO not set")
        try await ScannerEmulatedScenarios.run(scenario)
    }
}
