import Foundation
import Testing
@testable import Devices

/// Scanner profiles (`[scanner]` and `[serial]` in `Drivers/*.toml`), addresses and the factory.
@Suite struct ScannerSettingsTests {
    static let drivers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Drivers")

    @Test func everyScannerProfileLoads() throws {
        let registry = try DeviceProfileRegistry(directory: Self.drivers)
        let scanners = registry.profiles.filter { $0.kind == .scanner }
        #expect(scanners.count >= 4)
        for profile in scanners {
            let settings = try ScannerSettings(profile: profile)
            #expect(settings.framing.terminators == [.carriageReturn, .lineFeed], "\(profile.id)")
            #expect(settings.layout == .us, "\(profile.id)")
            #expect(USBScannerMatch(profile: profile) != nil, "\(profile.id) lists usb ids")
        }
        let honeywell = try ScannerSettings(profile: #require(registry.profile(id: "honeywell-xenon")))
        #expect(honeywell.serial == SerialPortSettings(baudRate: 115_200))
        let printer = try #require(registry.profiles.first { $0.kind == .printer })
        #expect(throws: ScannerConfigurationError.notAScannerProfile(profile: printer.id, kind: "printer")) {
            try ScannerSettings(profile: printer)
        }
    }

    @Test func everyKeyIsRead() throws {
        let text = """
            name = "x"
            [scanner]
            layout = "fr"
            terminators = ["tab"]
            inter_character_timeout_ms = 80
            max_length = 512
            symbology_identifiers = "require"
            gs_placeholder = "{GS}"
            keyboard_report_id = 1
            [serial]
            baud = 19200
            data_bits = 7
            parity = "even"
            stop_bits = 2
            flow_control = "hardware"
            """
        let settings = try ScannerSettings(profileText: text, file: "x.toml")
        #expect(settings.layout == .fr)
        #expect(settings.framing == ScanFraming(terminators: [.tab], interCharacterTimeout: .milliseconds(80), maxLength: 512,
                                                symbologyIdentifiers: .require, gsPlaceholder: "{GS}"))
        #expect(settings.keyboardReportID == 1)
        #expect(settings.serial == SerialPortSettings(baudRate: 19200, dataBits: 7, parity: .even, stopBits: 2, flowControl: .hardware))
        #expect(try ScannerSettings(profileText: "[scanner]\nterminators = []\ngs_placeholder = \"\"", file: "y.toml").framing
            == ScanFraming(terminators: []), "no terminators; an empty placeholder is none")
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        let id: Int
        let text: String
        let key: String
        let problem: String
        var testDescription: String { "#\(id) \(key)" }
    }

    static let badCases: [BadCase] = [
        BadCase(id: 1, text: "[scanner]\nlayout = \"uk\"", key: "scanner.layout", problem: "\"uk\" is not one of us, fr, de, vn"),
        BadCase(id: 2, text: "[scanner]\nterminators = [\"crlf\"]", key: "scanner.terminators", problem: "\"crlf\" is not one of cr, lf, tab"),
        BadCase(id: 3, text: "[scanner]\nterminators = \"cr\"", key: "scanner.terminators", problem: "must be an array of strings"),
        BadCase(id: 4, text: "[scanner]\nmax_length = 0", key: "scanner.max_length", problem: "must be an integer from 1 to 1048576"),
        BadCase(id: 5, text: "[scanner]\ninter_character_timeout_ms = \"fast\"", key: "scanner.inter_character_timeout_ms",
                problem: "must be an integer from 1 to 60000"),
        BadCase(id: 6, text: "[scanner]\nsymbology_identifiers = \"strip\"", key: "scanner.symbology_identifiers",
                problem: "\"strip\" is not one of detect, require, keep"),
        BadCase(id: 7, text: "[scanner]\nlayuot = \"us\"", key: "scanner.layuot",
                problem: "unknown key; known keys: layout, terminators, inter_character_timeout_ms, max_length, symbology_identifiers, gs_placeholder, keyboard_report_id"),
        BadCase(id: 8, text: "[serial]\nbaud = 9601", key: "serial.baud", problem: "9601 is not a standard rate (e.g. 9600, 38400, 115200)"),
        BadCase(id: 9, text: "[serial]\nparity = \"mark\"", key: "serial.parity", problem: "\"mark\" is not one of none, even, odd"),
        BadCase(id: 10, text: "[serial]\ndata_bits = 9", key: "serial.data_bits", problem: "must be an integer from 5 to 8"),
        BadCase(id: 11, text: "[serial]\nstop_bits = 3", key: "serial.stop_bits", problem: "must be an integer from 1 to 2"),
        BadCase(id: 12, text: "[serial]\nflow_control = \"rts\"", key: "serial.flow_control", problem: "\"rts\" is not one of none, hardware, software"),
        BadCase(id: 13, text: "scanner = 1", key: "scanner", problem: "must be a table ([scanner])"),
    ]

    @Test(arguments: badCases)
    func badValuesNameFileKeyAndProblem(_ item: BadCase) {
        #expect(throws: ScannerConfigurationError.profile(file: "bad.toml", key: item.key, problem: item.problem)) {
            try ScannerSettings(profileText: item.text, file: "bad.toml")
        }
    }

    struct AddressCase: Sendable, CustomTestStringConvertible {
        let id: Int
        let address: String
        let match: USBScannerMatch?
        var testDescription: String { "#\(id) \(address)" }
    }

    static let addresses: [AddressCase] = [
        AddressCase(id: 1, address: "05e0:1200", match: USBScannerMatch(ids: [.init(vendorID: 0x05E0, productID: 0x1200)])),
        AddressCase(id: 2, address: "05E0:1200/SCAN0001",
                    match: USBScannerMatch(ids: [.init(vendorID: 0x05E0, productID: 0x1200)], serialNumber: "SCAN0001")),
        AddressCase(id: 3, address: "0c2e:*", match: USBScannerMatch(ids: [.init(vendorID: 0x0C2E, productID: nil)])),
        AddressCase(id: 4, address: "05e0-1200", match: nil),
        AddressCase(id: 5, address: "5e0:1200", match: nil),
        AddressCase(id: 6, address: "05e0:1200/", match: nil),
        AddressCase(id: 7, address: "/dev/ttyACM0", match: nil),
        AddressCase(id: 8, address: "05e0:12000", match: nil),
    ]

    @Test(arguments: addresses)
    func usbAddresses(_ item: AddressCase) {
        let parsed = try? USBScannerMatch(address: item.address, source: .hid)
        #expect(parsed == item.match)
    }

    @Test func factoryRejectsAddressesThatDoNotFitTheSource() {
        #expect(throws: ScannerConfigurationError.self) { try ScannerSource.open(name: "s", source: .hid, address: "") }
        #expect(throws: ScannerConfigurationError.self) { try ScannerSource.open(name: "s", source: .serial, address: "ttyACM0") }
        #expect(throws: ScannerConfigurationError.self) { try ScannerSource.open(name: "s", source: .stdin, address: "/dev/tty") }
        #expect(throws: ScannerConfigurationError.invalidAddress(source: .hidpos, address: "05e0", expected:
            "vendor:product in hex, optionally /serial-number (e.g. 05e0:1200 or 05e0:1200/S123)")) {
            try ScannerSource.open(name: "s", source: .hidpos, address: "05e0")
        }
    }

    @Test func messagesSayWhatToDo() {
        #expect(ScanRejectionReason.unmappedKey(usage: 0x3A, modifiers: 0).description.contains("keyboard country"))
        #expect(SerialPortError.permissionDenied(path: "/dev/ttyACM0").description.contains("dialout"))
        #expect(SerialPortError.busy(path: "/dev/ttyACM0").description.contains("ID_MM_DEVICE_IGNORE"))
        #expect(ScannerConnectionState.disconnected(reason: "x").vietnamese.contains("máy quét"))
    }
}
