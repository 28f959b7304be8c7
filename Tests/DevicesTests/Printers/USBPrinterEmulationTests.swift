import Foundation
import Testing
@testable import Devices

/// USB printers through real libusb against umockdev-emulated devices.
///
/// `printersThroughHarness` starts `Tests/USBTests/emulation/printer_harness.py`, which builds the
/// fake printers and, once per scenario, re-runs *this test binary* under `umockdev-wrapper`
/// filtered to `deviceSidePrinterScenario`, with `USB_EMULATED=1` and `USB_SCENARIO=<name>`.
/// The harness judges the `USBCHECK {json}` lines printed here against what the devices received.
/// Skipped where umockdev or Debian's python3 with `gi` is missing.
@Suite struct USBPrinterEmulationTests {
    static let environment = ProcessInfo.processInfo.environment
    static let harness = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("USBTests/emulation/printer_harness.py").path

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

    @Test(.enabled(if: emulationAvailable, "needs umockdev-wrapper and /usr/bin/python3 with gi"), .timeLimit(.minutes(5)))
    func printersThroughHarness() async throws {
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let text = try await offPool { () throws -> String in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [Self.harness, "--", testBinary, "--testing-library", "swift-testing",
                                 "--filter", "deviceSidePrinterScenario"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self) + "\nexit \(process.terminationStatus)"
        }
        let lines = text.split(separator: "\n")
        for line in lines where line.hasPrefix("FAIL ") {
            Issue.record("emulated printer check failed: \(line.dropFirst(5))")
        }
        let passed = lines.filter { $0.hasPrefix("ok   ") }.count
        #expect(lines.contains("exit 0"), "harness output:\n\(text)")
        #expect(lines.contains { $0 == "\(passed) passed, 0 failed" }, "harness output:\n\(text)")
        let ran = lines.filter { $0.hasPrefix("ok   ") && $0.hasSuffix(": target exited 0") }.count
        #expect(ran == USBPrinterScenarios.names.count, "harness output:\n\(text)")
        if let figure = lines.first(where: { $0.contains("printer-usb-throughput: ") && $0.hasPrefix("ok") }) {
            print(figure)
        }
    }

    @Test(.enabled(if: environment["USB_EMULATED"] == "1" && environment["USB_SCENARIO"]?.hasPrefix("printer") == true,
                   "runs inside printer_harness.py only"))
    func deviceSidePrinterScenario() async throws {
        let scenario = try #require(Self.environment["USB_SCENARIO"])
        try await USBPrinterScenarios.run(scenario)
    }
}

/// The device side: `DirectLabelPrinter` over `USBPrinterTransport` against the fake printers.
enum USBPrinterScenarios {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let names = ["printer-zpl", "printer-zpl-paperout", "printer-zpl-silent", "printer-stall", "printer-unplug",
                        "printer-escpos", "printer-usb-throughput"]

    static func run(_ name: String) async throws {
        switch name {
        case "printer-zpl": try await zplPrint()
        case "printer-zpl-paperout": try await paperOut()
        case "printer-zpl-silent": try await silent()
        case "printer-stall": try await interrupted(event: "stall")
        case "printer-unplug": try await interrupted(event: "unplug")
        case "printer-escpos": try await escpos()
        case "printer-usb-throughput": try await throughput()
        default: throw Failure(description: "unknown scenario \(name)")
        }
    }

    static func emit(_ object: [String: Any?]) {
        let cleaned = object.mapValues { $0 ?? NSNull() }
        let data = (try? JSONSerialization.data(withJSONObject: cleaned, options: [.sortedKeys])) ?? Data("{}".utf8)
        print("USBCHECK " + String(decoding: data, as: UTF8.self))
        fflush(stdout)
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static let options = DirectLabelPrinter.Options(writeTimeout: .seconds(1), statusTimeout: .milliseconds(300),
                                                    probeTimeout: .milliseconds(300), silentWhenFaulted: true)

    static func zebra(_ options: DirectLabelPrinter.Options = options) -> (DirectLabelPrinter, USBPrinterTransport) {
        let transport = USBPrinterTransport(vendorID: 0x0A5F, productID: 0x0100, serialNumber: "D8N220001")
        return (DirectLabelPrinter(name: "usb-zebra", language: .zpl, dpi: 203, transport: transport, options: options), transport)
    }

    static func zplPrint() async throws {
        let (printer, transport) = zebra()
        let status = try await printer.status()
        let labels = [zplLabel("K7QM2X9PA4"), largeZPLLabel(size: 40_000, seed: 9)]
        var written: [Int] = []
        for label in labels { written.append(try await printer.send(label).bytesWritten) }
        // status(): ~HS, then ~HQES once to learn it is answered; each send: ~HS~HQES together, then the label.
        let expected = Array("~HS~HQES".utf8) + Array("~HS~HQES".utf8) + labels[0].bytes + Array("~HS~HQES".utf8) + labels[1].bytes
        let evidence: String
        if case let .reply(query) = status.evidence { evidence = query } else { evidence = "\(status.evidence)" }
        emit(["event": "print", "status": status.condition.rawValue, "evidence": evidence, "written": written,
              "sizes": labels.map(\.bytes.count), "expected": hex(expected),
              "commandSet": try transport.deviceID().commandSet])
    }

    static func paperOut() async throws {
        let (printer, _) = zebra()
        let status = try await printer.status()
        var sendError = "none"
        do {
            _ = try await printer.send(zplLabel("X"))
        } catch PrinterError.notReady {
            sendError = "notReady"
        }
        emit(["event": "paperout", "faults": status.faults.map(\.rawValue), "sendError": sendError])
    }

    static func silent() async throws {
        let (printer, _) = zebra()
        let status = try await printer.status()
        var waited = 0
        if case let .noReply(_, ms) = status.evidence { waited = ms }
        emit(["event": "silent", "condition": status.condition.rawValue, "waitedMs": waited, "detail": status.detail])
    }

    static func interrupted(event: String) async throws {
        var options = Self.options
        options.statusPolicy = .never
        let (printer, _) = zebra(options)
        let label = largeZPLLabel(size: 64_000, seed: 1)
        do {
            _ = try await printer.send(label)
            emit(["event": event, "error": "none"])
        } catch let PrinterError.interrupted(_, delivered, total, reason) {
            var cause = "other"
            if case let .lost(error) = printer.linkState {
                switch error {
                case .stalled: cause = "stalled"
                case .connectionLost: cause = "connectionLost"
                default: cause = "\(error)"
                }
            }
            // A stalled printer is still attached: ask it nothing more, so the byte count stays comparable.
            let after = event == "unplug" ? try await printer.status().condition.rawValue : "not asked"
            emit(["event": event, "error": "interrupted", "cause": cause, "atLeast": delivered.atLeast,
                  "atMost": delivered.atMost, "total": total, "reason": reason, "statusAfter": after])
        }
    }

    static func escpos() async throws {
        let transport = USBPrinterTransport(vendorID: 0x0483, productID: 0x5743)
        let printer = DirectLabelPrinter(name: "usb-pos", language: .escpos, dpi: 203, transport: transport, options: options)
        let status = try await printer.status()
        let label = TCPESCPOSPrinterTests.rasterLabel(7)
        _ = try await printer.send(label)
        let polls = (1...4).map { ESCPOSStatusReport.request(UInt8($0)) }.joined()
        let expected = Array(polls) + Array(polls) + label.bytes
        emit(["event": "escpos", "status": status.condition.rawValue, "warnings": status.warnings.map(\.rawValue),
              "expected": hex(expected)])
    }

    static func throughput() async throws {
        let (printer, transport) = zebra()
        let raw = largeZPLLabel(size: 2_000_000, seed: 5).bytes
        let start = ContinuousClock.now
        try transport.write(raw, timeout: .seconds(5))
        let rawSeconds = (ContinuousClock.now - start).seconds
        let meter = try await PrinterFeedMeter.measure(printer: printer, labels: (1...100).map { zplLabel(String(format: "TP%05d", $0)) })
        emit(["event": "throughput", "bytes": raw.count + meter.bytes, "bytesPerSecond": Double(raw.count) / rawSeconds,
              "labelsPerSecond": meter.labelsPerSecond])
    }
}

extension Duration {
    /// Seconds as a `Double`, for rates.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
