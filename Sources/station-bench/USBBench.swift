import Devices
import Foundation

/// `usb`: write throughput of the station's libusb printer transport against the umockdev
/// Zebra of `Tests/USBTests/emulation/printer_harness.py` (scenario `printer-usb-throughput`):
/// 2 MB raw through the bulk OUT endpoint, then 100 labels with a `~HS ~HQES` status poll
/// before each. The harness creates the emulated device and runs this bench inside it
/// (`USB_EMULATED=1`); outside it, this area starts the harness with itself as the target.
struct USBBench {
    func run() throws {
        let harness = "Tests/USBTests/emulation/printer_harness.py"
        guard FileManager.default.fileExists(atPath: harness), FileManager.default.isExecutableFile(atPath: "/usr/bin/umockdev-wrapper") else {
            print("## usb: skipped (needs umockdev and \(harness); run from the repository root)\n")
            return
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [harness, "--scenarios", "printer-usb-throughput", "--", CommandLine.arguments[0], "usb-target"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        // The harness checks the target's record and says: "ok   printer-usb-throughput: 16.51 MB/s raw, 198 labels/s with …".
        let line = text.split(separator: "\n").first { $0.hasPrefix("ok   printer-usb-throughput:") && $0.contains("MB/s") }
        let numbers = line.map { l in l.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Double($0) } } ?? []
        guard p.terminationStatus == 0, numbers.count >= 2 else {
            print("## usb: the harness gave no figure (exit \(p.terminationStatus))\n\n```\n\(text.suffix(1500))\n```\n")
            return
        }
        print("## usb: libusb printer transport against the umockdev Zebra (printer class, bulk OUT 0x01)\n")
        print("| run | figure |")
        print("|---|---:|")
        print("| raw bulk OUT, 2 MB of ^GFA | \(fmt(numbers[0], 2)) MB/s |")
        print("| labels with a status poll (~HS ~HQES) before each | \(fmt(numbers[1])) labels/s (target ≥ 50: \(numbers[1] >= 50 ? "met" : "NOT met")) |")
        print("\nThe emulated device answers in the same process tree through umockdev's ioctl socket, so these are the")
        print("station's own costs per transfer (libusb, chunking, status parsing), not a real printhead's speed.\n")
    }

    /// Inside the harness: the measurement itself, reported as the harness expects.
    static func target() async throws {
        let transport = USBPrinterTransport(vendorID: 0x0A5F, productID: 0x0100, serialNumber: "D8N220001")
        let printer = DirectLabelPrinter(name: "usb-zebra", language: .zpl, dpi: 203, transport: transport,
                                         options: .init(writeTimeout: .seconds(1), statusTimeout: .milliseconds(300),
                                                        probeTimeout: .milliseconds(300), silentWhenFaulted: true))
        let digits = Array("0123456789ABCDEF".utf8)
        let size = 2_000_000
        let raw = Array("^XA^FO0,0^GFA,\(size / 2),\(size / 2),52,".utf8) + (0..<size).map { digits[($0 &* 7 &+ 5) & 15] } + Array("^FS^XZ".utf8)
        let start = ContinuousClock.now
        try transport.write(raw, timeout: .seconds(5))
        let elapsed = ContinuousClock.now - start
        let rawSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let labels = (1...100).map { i in
            PrintableLabel(bytes: Array("^XA^CI28^FO40,40^A0N,32,32^FDMiến dong Na Rì · \(String(format: "TP%05d", i))^FS^XZ".utf8),
                           language: .zpl, preview: nil, summary: "TP\(i)")
        }
        let meter = try await PrinterFeedMeter.measure(printer: printer, labels: labels)
        let record: [String: Any] = ["event": "throughput", "bytes": raw.count + meter.bytes, "bytesPerSecond": Double(raw.count) / rawSeconds,
                                     "labelsPerSecond": meter.labelsPerSecond]
        let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
        print("USBCHECK " + String(decoding: data, as: UTF8.self))
        fflush(stdout)
    }
}
