import Foundation
import Testing

/// Runs `EmulatedScenarios` against umockdev-emulated devices.
///
/// `emulatedDevicesThroughHarness` starts `emulation/usb_harness.py`, which creates the fake
/// scanner/printer testbed and, once per scenario, re-runs *this test binary* under
/// `umockdev-wrapper` filtered to `deviceSideScenario` with `USB_EMULATED=1` and
/// `USB_SCENARIO=<name>`. The harness judges the output and the data the devices received.
/// Skipped where umockdev or Debian's python3 with `gi` is missing.
@Suite struct EmulationTests {
    static let environment = ProcessInfo.processInfo.environment
    static let harness = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("emulation/usb_harness.py").path

    /// umockdev-wrapper, /usr/bin/python3 and its UMockdev GI bindings are all present.
    static let emulationAvailable: Bool = {
        guard environment["USB_EMULATED"] != "1",
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
          .timeLimit(.minutes(2)))
    func emulatedDevicesThroughHarness() throws {
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.harness, "--",
                             testBinary, "--testing-library", "swift-testing", "--filter", "deviceSideScenario"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n")

        for line in lines where line.hasPrefix("FAIL ") {
            Issue.record("emulated device check failed: \(line.dropFirst(5))")
        }
        let passed = lines.filter { $0.hasPrefix("ok   ") }.count
        let summary = lines.last { $0.hasSuffix(" failed") }.map(String.init) ?? "no summary"
        #expect(process.terminationStatus == 0, "harness output:\n\(text)")
        #expect(summary == "\(passed) passed, 0 failed")
        // Every scenario ran (`ok … target exited 0`) or was skipped with a reason (`skip …`).
        let ran = lines.filter { $0.hasPrefix("ok   ") && $0.hasSuffix(": target exited 0") }.count
        let skipped = lines.filter { $0.hasPrefix("skip ") }.count
        #expect(ran + skipped == EmulatedScenarios.names.count, "harness output:\n\(text)")
    }

    /// The device side: runs only inside the harness, in the emulated environment.
    @Test(.enabled(if: environment["USB_EMULATED"] == "1", "runs inside emulation/usb_harness.py only"))
    func deviceSideScenario() async throws {
        let scenario = try #require(Self.environment["USB_SCENARIO"], "USB_SCENARIO not set")
        try await EmulatedScenarios.run(scenario)
    }
}
