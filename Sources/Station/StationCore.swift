import Devices
import Foundation
import GRDB
import Logging
import Trace

/// The running station: configuration, the store, the printers. Services and the web API call into it.
public final class StationCore: Sendable {
    public let config: StationConfig
    public let store: StationStore
    public let trace: TraceServices
    public let printers: [String: any LabelPrinter]
    public let startedAt: Date
    let logger: Logger

    public init(config: StationConfig, logger: Logger = Logger(label: "station")) throws {
        self.config = config
        self.logger = logger
        self.startedAt = Date()
        trace = try TraceServices(config: config)
        store = trace.store
        var printers: [String: any LabelPrinter] = [:]
        for p in config.printers {
            switch p.driver {
            case .virtual:
                let dir = URL(fileURLWithPath: p.output, relativeTo: config.dataDirectory).standardizedFileURL
                printers[p.name] = try VirtualPrinter(name: p.name, language: p.language == .zpl ? .zpl : .escpos,
                                                      dpi: p.dpi, directory: dir)
            case .tcp, .usb, .file:
                throw StationError.unsupportedDriver(printer: p.name, driver: p.driver.rawValue)
            }
        }
        self.printers = printers
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES('station.id', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [config.stationID])
        }
    }

    /// Records one line from a scanner and says what it looked like. Every line is kept.
    @discardableResult
    public func recordScan(_ raw: [UInt8], scanner: String) throws -> ScanRecord {
        let kind = ScanClassifier.classify(raw)
        let record = ScanRecord(receivedAt: Date(), scanner: scanner, raw: raw, kind: kind)
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO scan_log(received_at, scanner, raw, kind, outcome) VALUES (?, ?, ?, ?, ?)",
                           arguments: [EventClock.iso8601(record.receivedAt, offset: config.utcOffset), scanner, Data(raw),
                                       kind.rawValue, kind == .unreadable ? "rejected" : "logged"])
        }
        logger.info("scan", metadata: ["scanner": "\(scanner)", "kind": "\(kind.rawValue)", "text": "\(record.displayText)"])
        return record
    }

    /// Hands a label to a named printer and journals it.
    public func print(_ label: PrintableLabel, on printerName: String) async throws -> PrintReceipt {
        guard let printer = printers[printerName] else { throw StationError.unknownPrinter(printerName) }
        let receipt = try await printer.send(label)
        try await store.pool.write { [config] db in
            try db.execute(sql: "INSERT INTO print_log(printed_at, printer, language, bytes, content, file) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [EventClock.iso8601(Date(), offset: config.utcOffset), printerName,
                                       label.language.rawValue, receipt.bytesWritten, label.summary, receipt.file])
        }
        logger.info("label printed", metadata: ["printer": "\(printerName)", "bytes": "\(receipt.bytesWritten)", "file": "\(receipt.file ?? "-")"])
        return receipt
    }

    public func scanCount() throws -> Int { try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM scan_log") ?? 0 } }
    public func printCount() throws -> Int { try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM print_log") ?? 0 } }
}

public enum StationError: Error, CustomStringConvertible, Equatable {
    case unsupportedDriver(printer: String, driver: String)
    case unknownPrinter(String)

    public var description: String {
        switch self {
        case .unsupportedDriver(let p, let d): return "printer \(p): driver \"\(d)\" is not available in this build; use driver = \"virtual\""
        case .unknownPrinter(let p): return "no printer named \"\(p)\" in the configuration"
        }
    }
}

/// What a scanned line looked like before any deeper check.
public enum ScanKind: String, Sendable, Codable {
    case digitalLink = "digital_link", elementString = "element_string", gtin, text, unreadable
}

public struct ScanRecord: Sendable {
    public let receivedAt: Date
    public let scanner: String
    public let raw: [UInt8]
    public let kind: ScanKind
    /// The scan as text with control characters shown as `<GS>` etc.
    public var displayText: String {
        guard let s = String(validating: raw, as: UTF8.self) else { return "<\(raw.count) bytes, not UTF-8>" }
        return s.unicodeScalars.map { $0 == "\u{1D}" ? "<GS>" : ($0.value < 32 ? "<\($0.value)>" : String($0)) }.joined()
    }
}

enum ScanClassifier {
    static func classify(_ raw: [UInt8]) -> ScanKind {
        guard !raw.isEmpty, raw.count <= 4096, let s = String(validating: raw, as: UTF8.self) else { return .unreadable }
        if s.hasPrefix("http://") || s.hasPrefix("https://") { return s.contains("/01/") || s.contains("/00/") || s.contains("/414/") ? .digitalLink : .text }
        let digits = s.allSatisfy(\.isNumber)
        if digits && [8, 12, 13, 14].contains(s.count) { return .gtin }
        if s.contains("\u{1D}") || s.hasPrefix("]C1") || s.hasPrefix("]d2") || s.hasPrefix("]Q3") || s.hasPrefix("(01)") || s.hasPrefix("(00)") { return .elementString }
        if s.hasPrefix("01"), s.count > 16, s.prefix(16).allSatisfy(\.isNumber) { return .elementString }
        return .text
    }
}

/// Event timestamps as EPCIS wants them: local time with a fixed offset and milliseconds.
public enum EventClock {
    public static func iso8601(_ date: Date, offset: UTCOffset) -> String {
        let shifted = date.addingTimeInterval(TimeInterval(offset.seconds))
        var t = time_t(floor(shifted.timeIntervalSince1970))
        var tmv = tm()
        gmtime_r(&t, &tmv)
        let ms = Int((shifted.timeIntervalSince1970 - floor(shifted.timeIntervalSince1970)) * 1000)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03d", Int(tmv.tm_year) + 1900, Int(tmv.tm_mon) + 1, Int(tmv.tm_mday),
                      Int(tmv.tm_hour), Int(tmv.tm_min), Int(tmv.tm_sec), min(ms, 999)) + offset.description
    }
}
