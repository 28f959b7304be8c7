import Devices
import Foundation

/// Printer feed-rate benchmark: raw TCP (port 9100) against `Tests/emulators/printer_emulator.py`,
/// with and without a status poll before each label, and status polls on their own.
///
/// Target: at least 50 labels/s with a status poll before every label, and a poll adding no more
/// than one label's time at that rate (20 ms). USB write throughput is measured the same way by
/// the `printer-usb-throughput` scenario of `Tests/USBTests/emulation/printer_harness.py`, which
/// needs the umockdev environment. Run from the repository root (or set
/// `STATION_PRINTER_EMULATOR` to the emulator script).
func runPrinterBench(scale: Double) async throws {
    let environment = ProcessInfo.processInfo.environment
    let script = environment["STATION_PRINTER_EMULATOR"] ?? "Tests/emulators/printer_emulator.py"
    guard FileManager.default.fileExists(atPath: script) else {
        print("printers: skipped, \(script) not found (run from the repository root or set STATION_PRINTER_EMULATOR)\n")
        return
    }
    let count = max(100, Int(2_000 * scale))
    let labels = (0..<count).map { index -> PrintableLabel in
        let serial = String(format: "K7QM%06d", index)
        let zpl = "^XA^CI28^PW812^LL406^FO30,30^BQN,2,6^FDLA,https://txng.backan.gov.vn/01/08938512345017/10/MD250314A/21/"
            + "\(serial)?17=260313^FS^FO330,40^A0N,34,34^FDMiến dong Na Rì^FS^FO330,90^A0N,28,28^FDLô MD250314A · HSD 13/03/2026^FS"
            + "^FO330,130^A0N,28,28^FD\(serial)^FS^XZ"
        return PrintableLabel(bytes: Array(zpl.utf8), language: .zpl, preview: nil, summary: serial)
    }

    let emulator = try PrinterBenchEmulator(script: script)
    defer { emulator.stop() }
    func printer(_ policy: DirectLabelPrinter.StatusPolicy) -> DirectLabelPrinter {
        DirectLabelPrinter(name: "bench", language: .zpl, dpi: 203,
                           transport: TCPPrinterTransport(host: "127.0.0.1", port: emulator.port),
                           options: .init(statusPolicy: policy))
    }
    let blind = try await PrinterFeedMeter.measure(printer: printer(.never), labels: labels)
    let polled = try await PrinterFeedMeter.measure(printer: printer(.beforeEachLabel), labels: labels)
    let polls = try await PrinterFeedMeter.statusPollTimes(printer: printer(.never), count: max(50, count / 4))

    func ms(_ seconds: Double) -> String { String(format: "%.3f", seconds * 1000) }
    func rate(_ value: Double) -> String { String(format: "%.0f", value) }
    let labelPeriodAtTarget = 1.0 / 50.0
    let pollP99 = PrinterFeedMeter.quantile(polls, 0.99)
    print("## printers: raw TCP 9100 against the emulator (\(count) labels of ~\(labels[0].bytes.count) bytes)\n")
    print("| run | labels/s | send p50 ms | send p99 ms |")
    print("|---|---:|---:|---:|")
    print("| no status polls | \(rate(blind.labelsPerSecond)) | \(ms(blind.sendTime(quantile: 0.5))) | \(ms(blind.sendTime(quantile: 0.99))) |")
    print("| status poll (~HS ~HQES) before each label | \(rate(polled.labelsPerSecond)) | \(ms(polled.sendTime(quantile: 0.5))) | \(ms(polled.sendTime(quantile: 0.99))) |")
    print("| status poll alone | \(rate(Double(polls.count) / max(1e-9, polls.reduce(0, +)))) polls/s | \(ms(PrinterFeedMeter.quantile(polls, 0.5))) | \(ms(pollP99)) |")
    let added = max(0, 1 / max(1e-9, polled.labelsPerSecond) - 1 / max(1e-9, blind.labelsPerSecond))
    print("")
    print("- added per status poll: \(ms(added)) ms per label; at the 50 labels/s target one label takes \(ms(labelPeriodAtTarget)) ms, "
          + "so a poll costs \(String(format: "%.3f", added / labelPeriodAtTarget)) label(s) (target ≤ 1)")
    print("- target ≥ 50 labels/s with polls: \(polled.labelsPerSecond >= 50 ? "met" : "NOT met"); "
          + "poll p99 \(ms(pollP99)) ms ≤ 20 ms: \(pollP99 <= labelPeriodAtTarget ? "met" : "NOT met")\n")
}

/// The emulator process for the benchmark; stopped (by its pid) when the run ends.
final class PrinterBenchEmulator {
    let process = Process()
    let port: UInt16

    init(script: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, "--port", "0"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line: [UInt8] = []
        let handle = stdout.fileHandleForReading
        while !line.contains(0x0A) {
            let chunk = handle.readData(ofLength: 1)
            guard !chunk.isEmpty else { break }
            line += chunk
        }
        guard let port = UInt16(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "the printer emulator did not start"])
        }
        self.port = port
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
