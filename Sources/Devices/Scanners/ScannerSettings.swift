import Foundation
import TOMLKit
import TOMLReading

/// How one scanner is read: keyboard layout, framing, serial line settings, debounce and
/// reconnection. Defaults suit a scanner set to its factory defaults with Enter as suffix; a
/// profile in `Drivers/` changes them with its `[scanner]` and `[serial]` tables.
///
/// ```toml
/// [scanner]
/// layout = "us"                     # us, vn (= us), fr, de: the scanner's keyboard country
/// terminators = ["cr", "lf"]        # cr, lf, tab; [] = no suffix, the pause ends a scan
/// inter_character_timeout_ms = 500
/// max_length = 4096
/// symbology_identifiers = "detect"  # detect, require, keep
/// gs_placeholder = "{GS}"           # printable text the scanner sends instead of GS
/// keyboard_report_id = 1            # only for report-protocol keyboards
///
/// [serial]
/// baud = 9600
/// data_bits = 8
/// parity = "none"                   # none, even, odd
/// stop_bits = 1
/// flow_control = "none"             # none, hardware, software
/// ```
public struct ScannerSettings: Sendable, Hashable {
    /// The keyboard country the scanner types for (keyboard-wedge scanners only).
    public var layout: HIDKeyboardLayout
    /// Terminators, timeouts, length limit, symbology identifiers, GS placeholder.
    public var framing: ScanFraming
    /// Report ID before keyboard reports, for scanners that do not use the boot protocol.
    public var keyboardReportID: UInt8?
    /// Line settings for serial scanners.
    public var serial: SerialPortSettings
    /// The same code within this window is one scan (see ``ScanDebouncer``); zero turns it off.
    public var debounce: Duration
    /// How often a missing device is looked for again (hotplug arrivals also wake the reader).
    public var reconnectInterval: Duration
    /// Longest a read blocks; bounds how late a timeout-ended scan is seen and how long
    /// ``ScannerReader/stop()`` takes.
    public var pollInterval: Duration

    /// Defaults for a scanner at factory settings with an Enter suffix; 2 s debounce.
    public init(layout: HIDKeyboardLayout = .us, framing: ScanFraming = ScanFraming(), keyboardReportID: UInt8? = nil,
                serial: SerialPortSettings = SerialPortSettings(), debounce: Duration = .seconds(2),
                reconnectInterval: Duration = .seconds(1), pollInterval: Duration = .milliseconds(100)) {
        precondition(reconnectInterval > .zero && pollInterval > .zero, "intervals must be positive")
        self.layout = layout
        self.framing = framing
        self.keyboardReportID = keyboardReportID
        self.serial = serial
        self.debounce = debounce
        self.reconnectInterval = reconnectInterval
        self.pollInterval = pollInterval
    }

    /// The settings a scanner profile asks for, on top of the defaults.
    public init(profile: DeviceProfile) throws(ScannerConfigurationError) {
        guard profile.kind == .scanner else { throw .notAScannerProfile(profile: profile.id, kind: profile.kind.rawValue) }
        let text: String
        do { text = try String(contentsOfFile: profile.file, encoding: .utf8) } catch {
            throw .profile(file: profile.file, key: "", problem: "cannot read: \(error.localizedDescription)")
        }
        try self.init(profileText: text, file: profile.file)
    }

    /// Parses the `[scanner]` and `[serial]` tables of a profile's text; `file` names it in errors.
    public init(profileText text: String, file: String) throws(ScannerConfigurationError) {
        self.init()
        let table: TOMLTable
        do { table = try TOMLReading.table(from: text) } catch {
            throw .profile(file: file, key: "", problem: "not valid TOML: line \(error.line): \(error.message)")
        }
        let reader = ProfileReader(file: file)
        if let scanner = try reader.table(table, "scanner") {
            try reader.only(scanner, "scanner", ["layout", "terminators", "inter_character_timeout_ms", "max_length",
                                                "symbology_identifiers", "gs_placeholder", "keyboard_report_id"])
            if let name = try reader.string(scanner, "scanner.layout") {
                guard let layout = HIDKeyboardLayout.named(name) else {
                    throw reader.fail("scanner.layout", "\"\(name)\" is not one of \(HIDKeyboardLayout.knownNames.joined(separator: ", "))")
                }
                self.layout = layout
            }
            if let names = try reader.strings(scanner, "scanner.terminators") {
                var terminators = Set<ScanTerminator>()
                for name in names {
                    guard let terminator = ScanTerminator(rawValue: name) else {
                        throw reader.fail("scanner.terminators", "\"\(name)\" is not one of cr, lf, tab")
                    }
                    terminators.insert(terminator)
                }
                framing.terminators = terminators
            }
            if let milliseconds = try reader.int(scanner, "scanner.inter_character_timeout_ms", 1...60_000) {
                framing.interCharacterTimeout = .milliseconds(milliseconds)
            }
            if let length = try reader.int(scanner, "scanner.max_length", 1...1_048_576) { framing.maxLength = length }
            if let name = try reader.string(scanner, "scanner.symbology_identifiers") {
                guard let policy = SymbologyIdentifierPolicy(rawValue: name) else {
                    throw reader.fail("scanner.symbology_identifiers", "\"\(name)\" is not one of detect, require, keep")
                }
                framing.symbologyIdentifiers = policy
            }
            if let placeholder = try reader.string(scanner, "scanner.gs_placeholder") {
                framing.gsPlaceholder = placeholder.isEmpty ? nil : placeholder
            }
            if let reportID = try reader.int(scanner, "scanner.keyboard_report_id", 1...255) { keyboardReportID = UInt8(reportID) }
        }
        if let serialTable = try reader.table(table, "serial") {
            try reader.only(serialTable, "serial", ["baud", "data_bits", "parity", "stop_bits", "flow_control"])
            if let baud = try reader.int(serialTable, "serial.baud", 50...4_000_000) {
                guard SerialPortSettings.supportedBaudRates.contains(baud) else {
                    throw reader.fail("serial.baud", "\(baud) is not a standard rate (e.g. 9600, 38400, 115200)")
                }
                serial.baudRate = baud
            }
            if let bits = try reader.int(serialTable, "serial.data_bits", 5...8) { serial.dataBits = bits }
            if let name = try reader.string(serialTable, "serial.parity") {
                guard let parity = SerialPortSettings.Parity(rawValue: name) else {
                    throw reader.fail("serial.parity", "\"\(name)\" is not one of none, even, odd")
                }
                serial.parity = parity
            }
            if let bits = try reader.int(serialTable, "serial.stop_bits", 1...2) { serial.stopBits = bits }
            if let name = try reader.string(serialTable, "serial.flow_control") {
                guard let flow = SerialPortSettings.FlowControl(rawValue: name) else {
                    throw reader.fail("serial.flow_control", "\"\(name)\" is not one of none, hardware, software")
                }
                serial.flowControl = flow
            }
        }
    }
}

/// Typed access to profile values, naming file and key in every error.
private struct ProfileReader {
    let file: String

    func fail(_ key: String, _ problem: String) -> ScannerConfigurationError {
        .profile(file: file, key: key, problem: problem)
    }

    func table(_ table: TOMLTable, _ key: String) throws(ScannerConfigurationError) -> TOMLTable? {
        guard let value = table[key] else { return nil }
        guard let nested = value.table else { throw fail(key, "must be a table ([\(key)])") }
        return nested
    }

    func only(_ table: TOMLTable, _ name: String, _ allowed: [String]) throws(ScannerConfigurationError) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            throw fail("\(name).\(key)", "unknown key; known keys: \(allowed.joined(separator: ", "))")
        }
    }

    private func value(_ table: TOMLTable, _ key: String) -> TOMLValueConvertible? {
        table[String(key.split(separator: ".").last ?? "")]
    }

    func string(_ table: TOMLTable, _ key: String) throws(ScannerConfigurationError) -> String? {
        guard let value = value(table, key) else { return nil }
        guard let string = value.string else { throw fail(key, "must be a string") }
        return string
    }

    func strings(_ table: TOMLTable, _ key: String) throws(ScannerConfigurationError) -> [String]? {
        guard let value = value(table, key) else { return nil }
        guard let array = value.array else { throw fail(key, "must be an array of strings") }
        var result: [String] = []
        for element in array {
            guard let string = element.string else { throw fail(key, "must be an array of strings") }
            result.append(string)
        }
        return result
    }

    func int(_ table: TOMLTable, _ key: String, _ range: ClosedRange<Int>) throws(ScannerConfigurationError) -> Int? {
        guard let value = value(table, key) else { return nil }
        guard let int = value.int, range.contains(int) else {
            throw fail(key, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return int
    }
}

/// A scanner configuration that cannot work; found before any device is touched.
public enum ScannerConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The address does not fit the source, e.g. a path for `hid`.
    case invalidAddress(source: ScannerSourceKind, address: String, expected: String)
    /// A profile file has a bad value under `key`.
    case profile(file: String, key: String, problem: String)
    /// The named profile describes a printer.
    case notAScannerProfile(profile: String, kind: String)

    public var description: String {
        switch self {
        case let .invalidAddress(source, address, expected):
            return "scanner source \(source.rawValue): address \"\(address)\" is not \(expected)"
        case let .profile(file, key, problem):
            return key.isEmpty ? "\(file): \(problem)" : "\(file): \(key): \(problem)"
        case let .notAScannerProfile(profile, kind):
            return "profile \"\(profile)\" is a \(kind) profile, not a scanner profile"
        }
    }
}
