import Foundation
import Testing
@testable import Devices

@Suite struct ProfileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyProfileInDriversParses() throws {
        let reg = try DeviceProfileRegistry(directory: Self.root.appendingPathComponent("Drivers"))
        #expect(reg.profiles.count >= 7)
        #expect(Set(reg.profiles.map(\.kind)) == [.printer, .scanner])
        #expect(reg.match(vendorID: 0x0a5f, productID: 0x0100)?.id == "zebra-zd")
        #expect(reg.match(vendorID: 0x05e0, productID: 0x1200)?.protocolName == "hid-keyboard")
        #expect(reg.match(vendorID: 0x2d37, productID: 0x1234)?.id == "xprinter-xp", "a vendor wildcard matches any product")
        #expect(reg.match(vendorID: 0x1234, productID: 0x5678) == nil)
    }

    @Test func checkedInUdevRulesAreGeneratedFromDrivers() throws {
        let reg = try DeviceProfileRegistry(directory: Self.root.appendingPathComponent("Drivers"))
        let checkedIn = try String(contentsOf: Self.root.appendingPathComponent("Config/udev/60-station.rules"), encoding: .utf8)
        #expect(checkedIn == UdevRules.generate(from: reg), "regenerate with: .build/debug/station udev-rules > Config/udev/60-station.rules")
        #expect(checkedIn.contains(#"ATTRS{idVendor}=="0a5f", ATTRS{idProduct}=="0100", MODE="0660", GROUP="station""#))
    }

    @Test func badProfileNamesFileAndProblem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "name = \"X\"\nkind = \"printer\"\nprotocol = \"zpl\"\nusb = [\"0a5f-0100\"]\n".write(to: dir.appendingPathComponent("bad.toml"), atomically: true, encoding: .utf8)
        let e = try #require(throws: DeviceProfileError.self) { try DeviceProfileRegistry(directory: dir) }
        #expect(e.file.hasSuffix("bad.toml"))
        #expect(e.message == "usb id \"0a5f-0100\" must look like \"0a5f:0100\"")
    }
}

@Suite struct VirtualPrinterTests {
    @Test func writesRawBytesAndPreviewAndNumbersOnAfterRestart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vp-\(UUID().uuidString)")
        let p = try VirtualPrinter(name: "v", language: .zpl, dpi: 203, directory: dir)
        let label = PrintableLabel(bytes: Array("^XA^FDx^FS^XZ".utf8), language: .zpl, preview: .init(width: 8, height: 8), summary: "x")
        let r1 = try await p.send(label)
        #expect(r1.file?.hasSuffix("000001.zpl") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: r1.file!)) == Data("^XA^FDx^FS^XZ".utf8))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("000001.png").path))
        let again = try VirtualPrinter(name: "v", language: .zpl, dpi: 203, directory: dir)
        #expect(try await again.send(label).file?.hasSuffix("000002.zpl") == true)
    }

    @Test func stagedPaperOutStopsPrintingUntilCleared() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vp-\(UUID().uuidString)")
        let p = try VirtualPrinter(name: "v", language: .escpos, dpi: 203, directory: dir)
        #expect(FileManager.default.createFile(atPath: dir.appendingPathComponent("paper_out").path, contents: nil))
        #expect(try await p.status().condition == .paperOut)
        let label = PrintableLabel(bytes: [0x1B, 0x40], language: .escpos, preview: nil, summary: "x")
        await #expect(throws: PrinterError.notReady(printer: "v", status: .paperOut)) { try await p.send(label) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("paper_out"))
        #expect(try await p.send(label).file?.hasSuffix("000001.bin") == true)
    }
}
