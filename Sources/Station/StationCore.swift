import Devices
import Foundation
import GRDB
import Logging
import GS1
import Trace

/// The running station: configuration, the store, the printers. Services and the web API call into it.
public final class StationCore: Sendable {
    public let config: StationConfig
    public let store: StationStore
    public let trace: TraceServices
    public let printers: [String: any LabelPrinter]
    public let startedAt: Date
    /// Device scanners' connection states, for the operator's screen.
    public let scanners = ScannerBoard()
    let logger: Logger

    public init(config: StationConfig, logger: Logger = Logger(label: "station")) throws {
        self.config = config
        self.logger = logger
        self.startedAt = Date()
        trace = try TraceServices(config: config)
        store = trace.store
        let printers = try PrinterSetup.make(config)
        self.printers = printers
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES('station.id', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [config.stationID])
        }
    }

    /// Handles one scan: parses it, checks it for the scanner's mode, records the event (or the
    /// rejection with its reason) and keeps the raw line in the scan log either way.
    ///
    /// When the disk is full, read-only or failing, the scan is held in memory (outcome
    /// `pending`) and recorded, with the time it was received, as soon as the store takes writes
    /// again: at the next scan or the next ``retryHeldScans()``. Scans keep their order.
    @discardableResult
    public func recordScan(_ raw: [UInt8], scanner: String, receivedAt: Date = Date()) throws -> ScanRecord {
        let mode = config.scanners.first { $0.name == scanner }?.mode ?? .inspecting
        // Debounce once, at arrival: a held scan is not a repeat of itself when it is retried.
        let repeated = recentScans.isRepeat(raw, scanner: scanner, window: config.scanners.first { $0.name == scanner }?.debounce ?? 2, now: receivedAt)
        let scan = HeldScan(raw: raw, scanner: scanner, receivedAt: receivedAt, repeated: repeated)
        if retryHeldScans() == 0 {
            do { return try record(scan, mode: mode) } catch {
                guard let storage = StoreError.classify(error) else { throw error }
                heldScans.hold(scan)
                logger.error("scan held in memory, not yet recorded: \(storage)", metadata: ["scanner": "\(scanner)"])
            }
        } else {
            heldScans.hold(scan)
        }
        var held = ScanRecord(receivedAt: receivedAt, scanner: scanner, raw: raw, kind: ScanClassifier.classify(raw), outcome: .pending,
                              message: "Chưa ghi được (đĩa đầy hoặc không ghi được): trạm giữ lần quét này và tự ghi khi đĩa ghi được; không cần quét lại.")
        held.eventID = nil
        logger.warning("scan", metadata: ["scanner": "\(scanner)", "mode": "\(mode.rawValue)", "outcome": "pending",
                                          "held": "\(heldScans.count)", "text": "\(held.displayText)"])
        return held
    }

    /// Records the scans held while the store refused writes, oldest first; returns how many are
    /// still held (0 when the store took them all).
    @discardableResult
    public func retryHeldScans() -> Int {
        while let next = heldScans.first {
            let mode = config.scanners.first { $0.name == next.scanner }?.mode ?? .inspecting
            do {
                try record(next, mode: mode)
                heldScans.dropFirst()
                if heldScans.count == 0 { logger.notice("the store takes writes again: every held scan is recorded") }
            } catch {
                return heldScans.count
            }
        }
        return 0
    }

    /// Scans received but not yet recorded (the store refused writes).
    public var heldScanCount: Int { heldScans.count }

    /// What is still held at shutdown is written to the log in full, so it can be entered again.
    public func logHeldScansAtShutdown() {
        guard retryHeldScans() > 0 else { return }
        for s in heldScans.all {
            logger.critical("scan NOT recorded (the store refused writes until shutdown): scan it again", metadata: [
                "scanner": "\(s.scanner)", "received_at": "\(EventClock.iso8601(s.receivedAt, offset: config.utcOffset))",
                "text": "\(String(decoding: s.raw, as: UTF8.self))"])
        }
    }

    @discardableResult
    private func record(_ scan: HeldScan, mode: StationConfig.Scanner.Mode) throws -> ScanRecord {
        let (raw, scanner, receivedAt) = (scan.raw, scan.scanner, scan.receivedAt)
        let kind = ScanClassifier.classify(raw)
        var record = ScanRecord(receivedAt: receivedAt, scanner: scanner, raw: raw, kind: kind, outcome: .rejected, message: "")
        if kind == .unreadable {
            record.message = raw.isEmpty ? "Mã quá dài hoặc rỗng: quét lại." : "Dữ liệu quét không đọc được (không phải UTF-8): kiểm tra cấu hình máy quét."
        } else if scan.repeated {
            record.outcome = .duplicate
            record.message = "Mã vừa quét xong: bỏ qua lần đọc lặp."
        } else if let text = String(validating: raw, as: UTF8.self) {
            (record.outcome, record.message, record.eventID) = try handle(text: text, mode: mode, scanner: scanner, at: receivedAt)
        }
        try store.pool.write { [record] db in
            try db.execute(sql: "INSERT INTO scan_log(received_at, scanner, raw, kind, outcome) VALUES (?, ?, ?, ?, ?)",
                           arguments: [EventClock.iso8601(record.receivedAt, offset: config.utcOffset), scanner, Data(raw),
                                       kind.rawValue, record.outcome.rawValue + (record.message.isEmpty ? "" : ": " + record.message)])
        }
        logger.info("scan", metadata: ["scanner": "\(scanner)", "mode": "\(mode.rawValue)", "kind": "\(kind.rawValue)",
                                       "outcome": "\(record.outcome.rawValue)", "text": "\(record.displayText)", "message": "\(record.message)"])
        return record
    }

    private let heldScans = HeldScans()
    private let cartons = CartonBuffer()
    private let recentScans = RecentScans()

    /// The outcome of a scan; throws only when the store refuses the write (the scan is then held).
    func handle(text: String, mode: StationConfig.Scanner.Mode, scanner: String, at time: Date = Date()) throws -> (ScanRecord.Outcome, String, String?) {
        let scanned: ScannedGS1
        do { scanned = try ScannedGS1(parsing: text) } catch {
            return (.rejected, "Không phải mã GS1: \(error)", nil)
        }
        // A province roll's stamp (a GIAI): activated onto an item, or standing for the item it is on.
        if let province = ProvinceStampCode.stamp(scanned) {
            if mode == .activation { return try activateProvince(giai: province.giai, tag: province.tag, scanner: scanner, at: time) }
            let verdict = trace.verifier.verify(text)
            guard let gtin = verdict.gtin, let serial = verdict.serial else { return (.rejected, verdict.message, nil) }
            return try observe(mode: mode, verdict: verdict, epc: Stamp.epc(gtin: gtin, serial: serial), scanner: scanner, at: time)
        }
        let code: TraceCode
        do { code = try TraceCode(scanned: scanned) } catch {
            return (.rejected, "Không phải mã GS1: \(error)", nil)
        }
        // A carton label (SSCC) closes the carton being packed.
        if code.serial == nil, let ssccText = code.otherElements.first(where: { $0.ai == "00" })?.value ?? Self.sscc(from: text) {
            guard mode == .packing else { return (.rejected, "Mã thùng (SSCC) chỉ dùng ở chế độ đóng gói.", nil) }
            let items = cartons.take(scanner)
            guard !items.isEmpty else { return (.rejected, "Thùng \(ssccText) chưa có sản phẩm nào: quét tem sản phẩm trước.", nil) }
            do {
                let e = try trace.ledger.pack(sscc: ssccText, children: items, at: time)
                return (.accepted, "Đã đóng \(items.count) sản phẩm vào thùng \(ssccText).", e.eventID)
            } catch {
                if StoreError.classify(error) != nil { cartons.restore(items, scanner: scanner); throw error }
                return (.rejected, "Không ghi được sự kiện đóng gói: \(error)", nil)
            }
        }
        guard let serial = code.serial else { return (.rejected, "Mã sản phẩm không có số sê-ri: không phải tem truy xuất.", nil) }
        if mode == .activation { return try activate(text: text, code: code, serial: serial, scanner: scanner, at: time) }
        return try observe(mode: mode, verdict: trace.verifier.verify(text), epc: Stamp.epc(gtin: code.gtin.gtin14, serial: serial),
                           scanner: scanner, at: time)
    }

    /// A stamp seen in an inspecting, receiving, shipping or packing scan: its event, or why not.
    private func observe(mode: StationConfig.Scanner.Mode, verdict: StampVerdict, epc: String, scanner: String, at time: Date) throws
        -> (ScanRecord.Outcome, String, String?) {
        switch mode {
        case .activation:
            return (.rejected, "Chế độ kích hoạt chỉ nhận tem in sẵn.", nil)
        case .inspecting:
            guard [.genuine, .suspicious, .void, .recalled].contains(verdict.kind) else { return (.rejected, verdict.message, nil) }
            do {
                let e = try trace.ledger.observe(.inspecting, epcs: [epc], disposition: verdict.kind == .genuine ? nil : .nonConformant,
                                                 reason: verdict.kind.rawValue, at: time)
                return (verdict.kind == .genuine ? .accepted : .flagged, verdict.message, e.eventID)
            } catch {
                if StoreError.classify(error) != nil { throw error }
                return (.rejected, "Không ghi được sự kiện: \(error)", nil)
            }
        case .receiving, .shipping:
            guard verdict.kind == .genuine else { return (.rejected, verdict.message, nil) }
            let kind: StampLedger.Observation = mode == .receiving ? .receiving : .shipping
            if mode == .shipping, let last = try? lastStep(epc), last == "shipping" {
                return (.rejected, "Tem này đã xuất kho rồi: không xuất lại.", nil)
            }
            do {
                let e = try trace.ledger.observe(kind, epcs: [epc], at: time)
                return (.accepted, mode == .receiving ? "Đã nhập kho." : "Đã xuất kho.", e.eventID)
            } catch {
                if StoreError.classify(error) != nil { throw error }
                return (.rejected, "Không ghi được sự kiện: \(error)", nil)
            }
        case .packing:
            guard verdict.kind == .genuine else { return (.rejected, verdict.message, nil) }
            let n = cartons.add(epc, scanner: scanner)
            return (.accepted, "Sản phẩm thứ \(n) của thùng: quét tiếp, hoặc quét mã thùng (SSCC) để đóng thùng.", nil)
        }
    }

    private func lastStep(_ epc: String) throws -> String? {
        try trace.ledger.events.events(identifier: epc).last?.bizStep
    }

    static func sscc(from text: String) -> String? {
        // Digital Link form https://.../00/<18 digits>
        guard let r = text.range(of: #"/00/([0-9]{18})"#, options: .regularExpression) else { return nil }
        return String(text[r].dropFirst(4))
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
    case unknownPrinter(String)

    public var description: String {
        switch self {
        case .unknownPrinter(let p): return "no printer named \"\(p)\" in the configuration"
        }
    }
}

/// What a scanned line looked like before any deeper check.
public enum ScanKind: String, Sendable, Codable {
    case digitalLink = "digital_link", elementString = "element_string", gtin, text, unreadable
}

public struct ScanRecord: Sendable {
    public enum Outcome: String, Sendable, Codable {
        case accepted, flagged, rejected, duplicate
        /// Held in memory: the store refused the write (disk full or read-only); recorded later.
        case pending
    }
    public let receivedAt: Date
    public let scanner: String
    public let raw: [UInt8]
    public let kind: ScanKind
    public var outcome: Outcome
    /// What the operator is told, in Vietnamese.
    public var message: String
    public var eventID: String? = nil
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

/// A scan received while the store refused writes, waiting to be recorded.
struct HeldScan: Sendable {
    let raw: [UInt8]
    let scanner: String
    let receivedAt: Date
    /// Whether it repeated the scanner's previous code within the debounce window, as judged at arrival.
    let repeated: Bool
}

/// Scans held in memory, in the order they arrived; bounded, so a station left with a full disk
/// for days keeps the oldest 100,000 scans and says so rather than growing without end.
final class HeldScans: @unchecked Sendable {
    static let limit = 100_000
    private var scans: [HeldScan] = []
    private var start = 0
    private var dropped = 0
    private let lock = NSLock()
    var count: Int { lock.lock(); defer { lock.unlock() }; return scans.count - start }
    var first: HeldScan? { lock.lock(); defer { lock.unlock() }; return start < scans.count ? scans[start] : nil }
    var all: [HeldScan] { lock.lock(); defer { lock.unlock() }; return Array(scans[start...]) }
    var droppedCount: Int { lock.lock(); defer { lock.unlock() }; return dropped }
    func hold(_ s: HeldScan) {
        lock.lock(); defer { lock.unlock() }
        if scans.count - start >= Self.limit { dropped += 1; return }
        scans.append(s)
    }
    func dropFirst() {
        lock.lock(); defer { lock.unlock() }
        start += 1
        if start == scans.count { scans.removeAll(keepingCapacity: true); start = 0 }
    }
}

/// Items scanned for the carton being packed, per scanner, until its SSCC is scanned.
final class CartonBuffer: @unchecked Sendable {
    private var items: [String: [String]] = [:]
    private let lock = NSLock()
    func add(_ epc: String, scanner: String) -> Int {
        lock.lock(); defer { lock.unlock() }
        if !(items[scanner]?.contains(epc) ?? false) { items[scanner, default: []].append(epc) }
        return items[scanner]?.count ?? 0
    }
    func take(_ scanner: String) -> [String] {
        lock.lock(); defer { lock.unlock() }
        return items.removeValue(forKey: scanner) ?? []
    }
    /// Puts back items taken for a carton whose event could not be written.
    func restore(_ epcs: [String], scanner: String) {
        lock.lock(); defer { lock.unlock() }
        items[scanner] = epcs + (items[scanner] ?? []).filter { !epcs.contains($0) }
    }
}

/// The last code each scanner read, so a code read twice within the debounce window is one scan.
final class RecentScans: @unchecked Sendable {
    private var last: [String: ([UInt8], Date)] = [:]
    private let lock = NSLock()
    func isRepeat(_ raw: [UInt8], scanner: String, window: Double, now: Date = Date()) -> Bool {
        lock.lock(); defer { lock.unlock() }
        defer { last[scanner] = (raw, now) }
        guard let (prev, at) = last[scanner] else { return false }
        return prev == raw && now.timeIntervalSince(at) < window
    }
}
