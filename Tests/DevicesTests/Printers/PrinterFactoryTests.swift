import Foundation
import Testing
@testable import Devices

@Suite struct PrinterFactoryTests {
    static let registry = DeviceProfileRegistry(profiles: [
        DeviceProfile(id: "zebra-zd", name: "Zebra ZD", kind: .printer, usbIDs: ["0a5f:0100"], protocolName: "zpl", dpi: 203,
                      widthMM: 104, quirks: ["status-silent-when-faulted"], file: "zebra-zd.toml"),
        DeviceProfile(id: "xprinter-xp", name: "Xprinter", kind: .printer, usbIDs: ["2d37:*"], protocolName: "escpos", dpi: 203,
                      widthMM: 80, quirks: [], file: "xprinter-xp.toml"),
        DeviceProfile(id: "symbol-ls", name: "Symbol", kind: .scanner, usbIDs: ["05e0:1200"], protocolName: "hid-keyboard", dpi: nil,
                      widthMM: nil, quirks: [], file: "symbol-ls.toml"),
    ])
    static let data = FileManager.default.temporaryDirectory.appendingPathComponent("factory-\(UUID().uuidString)")

    func make(driver: String, profile: String = "", language: String = "zpl", dpi: Int = 203, address: String = "") throws(PrinterConfigurationError) -> any LabelPrinter {
        try PrinterFactory.make(name: "line1", driver: driver, profile: profile, language: language, dpi: dpi, address: address,
                                output: "labels", dataDirectory: Self.data, profiles: Self.registry)
    }

    @Test func eachDriverBuildsItsPrinterWithoutOpeningAnything() throws {
        let tcp = try #require(try make(driver: "tcp", profile: "zebra-zd", address: "192.0.2.10:9100") as? DirectLabelPrinter)
        #expect(tcp.transport.endpoint == "tcp://192.0.2.10:9100")
        #expect(tcp.options.silentWhenFaulted, "profile quirk status-silent-when-faulted applied")
        #expect(tcp.transport.state == .closed)
        let usb = try #require(try make(driver: "usb", profile: "xprinter-xp", language: "escpos", address: "2d37:0001/SN42") as? DirectLabelPrinter)
        #expect(usb.transport.endpoint == "usb:2d37:0001/SN42" && usb.language == .escpos && !usb.options.silentWhenFaulted)
        let file = try #require(try make(driver: "file", address: "/dev/usb/lp0") as? DirectLabelPrinter)
        #expect(file.transport.endpoint == "/dev/usb/lp0")
        let virtual = try make(driver: "virtual")
        #expect(virtual is VirtualPrinter)
    }

    struct BadRow: Sendable, CustomStringConvertible {
        let number: Int
        let driver: String
        let profile: String
        let language: String
        let dpi: Int
        let address: String
        let key: String
        let message: String
        var description: String { "\(number). \(key): \(message)" }
    }

    static let badRows: [BadRow] = [
        BadRow(number: 1, driver: "serial", profile: "", language: "zpl", dpi: 203, address: "", key: "driver",
               message: "\"serial\" is not a driver; use one of \"virtual\", \"tcp\", \"usb\", \"file\""),
        BadRow(number: 2, driver: "tcp", profile: "", language: "epl", dpi: 203, address: "10.0.0.5", key: "language",
               message: "\"epl\" is not a printer language; use \"zpl\" or \"escpos\""),
        BadRow(number: 3, driver: "tcp", profile: "", language: "zpl", dpi: 50, address: "10.0.0.5", key: "dpi", message: "50 is outside 100–600"),
        BadRow(number: 4, driver: "tcp", profile: "brother-ql", language: "zpl", dpi: 203, address: "10.0.0.5", key: "profile",
               message: "no profile \"brother-ql\" in Drivers/; printer profiles: xprinter-xp, zebra-zd"),
        BadRow(number: 5, driver: "tcp", profile: "symbol-ls", language: "zpl", dpi: 203, address: "10.0.0.5", key: "profile",
               message: "\"symbol-ls\" describes a scanner, not a printer"),
        BadRow(number: 6, driver: "tcp", profile: "zebra-zd", language: "escpos", dpi: 203, address: "10.0.0.5", key: "language",
               message: "\"escpos\" does not match profile \"zebra-zd\", whose printers speak zpl"),
        BadRow(number: 7, driver: "tcp", profile: "", language: "zpl", dpi: 203, address: "10.0.0.5:http", key: "address",
               message: "address \"10.0.0.5:http\" cannot be used: port \"http\" must be a number from 1 to 65535"),
        BadRow(number: 8, driver: "tcp", profile: "", language: "zpl", dpi: 203, address: "fe80::1:9100", key: "address",
               message: "address \"fe80::1:9100\" cannot be used: write IPv6 addresses in brackets, e.g. [fe80::1]:9100"),
        BadRow(number: 9, driver: "usb", profile: "", language: "zpl", dpi: 203, address: "zebra", key: "address",
               message: "address \"zebra\" cannot be used: expected vendor:product in hex, optionally /serial, e.g. 0a5f:0100/D2J123456; `station devices` lists attached printers"),
        BadRow(number: 10, driver: "file", profile: "", language: "zpl", dpi: 203, address: "lp0", key: "address",
               message: "expected an absolute device path such as /dev/usb/lp0, got \"lp0\""),
        BadRow(number: 11, driver: "tcp", profile: "", language: "zpl", dpi: 203, address: "", key: "address",
               message: "address \"\" cannot be used: expected host:port, e.g. 192.168.1.50:9100"),
    ]

    @Test(arguments: badRows)
    func badEntriesNameTheKeyAndTheFix(_ row: BadRow) {
        #expect(throws: PrinterConfigurationError(printer: "line1", key: row.key, message: row.message)) {
            try make(driver: row.driver, profile: row.profile, language: row.language, dpi: row.dpi, address: row.address)
        }
    }

    @Test(arguments: [
        ("10.0.0.5", "10.0.0.5", UInt16(9100)), ("10.0.0.5:6101", "10.0.0.5", UInt16(6101)),
        ("printer-1.local:9100", "printer-1.local", UInt16(9100)), ("[fe80::1]:9100", "fe80::1", UInt16(9100)),
        ("[::1]", "::1", UInt16(9100)), (" 10.0.0.5:9100 ", "10.0.0.5", UInt16(9100)),
    ])
    func tcpAddresses(_ text: String, _ host: String, _ port: UInt16) throws {
        let parsed = try TCPPrinterTransport.parseAddress(text)
        #expect(parsed.host == host && parsed.port == port)
    }

    @Test func usbAddresses() throws {
        let plain = try USBPrinterTransport.parseAddress("0A5F:0100")
        #expect(plain.vendorID == 0x0A5F && plain.productID == 0x0100 && plain.serialNumber == nil)
        let serial = try USBPrinterTransport.parseAddress("0a5f:0100/D2J123456")
        #expect(serial.serialNumber == "D2J123456")
        #expect(throws: TransportError.self) { try USBPrinterTransport.parseAddress("0a5f:0100/") }
    }

    @Test func statusCodableKeepsOlderForm() throws {
        let old = Data(#"{"condition":"paper_out","detail":"x"}"#.utf8)
        let decoded = try JSONDecoder().decode(PrinterStatus.self, from: old)
        #expect(decoded.faults == [.paperOut] && decoded.warnings.isEmpty && decoded.evidence == .staged)
        let rich = PrinterStatus(faults: [.paused, .headOpen, .paused], warnings: [.paperNearEnd], detail: "d",
                                 labelsRemaining: 3, formatsInBuffer: 1, evidence: .noReply(query: "~HS", waitedMilliseconds: 2000))
        #expect(rich.faults == [.headOpen, .paused] && rich.condition == .headOpen)
        #expect(try JSONDecoder().decode(PrinterStatus.self, from: JSONEncoder().encode(rich)) == rich)
        #expect(PrinterStatus(condition: .ready).canPrint && !PrinterStatus(condition: .paused).canPrint)
    }
}
