import Barcodes
import Devices
import Foundation
import GRDB
import GS1
import Logging
import Trace

/// The inline scanner after a print head: it reads back what was just printed.
public protocol PrintReadBack: Sendable {
    /// What reads the stamps, for logs and the operator (a scanner name, or `image`).
    var source: String { get }
    /// The codes read from the label `receipt` describes (an image verifier) or from the next
    /// label passing the scanner (an inline scanner); empty when nothing was read within `timeout`.
    func read(after receipt: PrintReceipt, timeout: Duration) async -> [[UInt8]]
    /// Releases the scanner.
    func close()
}

/// Reads back the virtual printer's output: decodes the PNG of what went on paper with zbar,
/// exactly as a camera verifier would see a real label.
public struct PrintedImageReadBack: PrintReadBack {
    public var source: String { "image" }

    public init() {}

    public func read(after receipt: PrintReceipt, timeout: Duration) async -> [[UInt8]] {
        guard let file = receipt.file else { return [] }
        let png = URL(fileURLWithPath: file).deletingPathExtension().appendingPathExtension("png")
        guard let data = FileManager.default.contents(atPath: png.path),
              let image = try? PNGCodec.decode([UInt8](data)) else { return [] }
        return BarcodeDecoder().decode(image).map(\.bytes)
    }

    public func close() {}
}

/// Reads back through a configured scanner (HID, HID POS, serial or stdin) mounted after the
/// print head: every scan it makes is queued, and each printed label takes the next one.
public final class ScannerReadBack: PrintReadBack, @unchecked Sendable {
    public let source: String
    private let reader: any ScannerReader
    private let lock = NSLock()
    private var pending: [[UInt8]] = []
    private var pump: Task<Void, Never>?

    public init(reader: any ScannerReader) {
        self.source = reader.name
        self.reader = reader
        pump = Task { [weak self, reader] in
            for await event in reader.events {
                if case .scan(let input) = event { self?.push(input.bytes) }
            }
        }
    }

    private func push(_ bytes: [UInt8]) { lock.withLock { pending.append(bytes) } }
    private func take() -> [UInt8]? { lock.withLock { pending.isEmpty ? nil : pending.removeFirst() } }

    public func read(after receipt: PrintReceipt, timeout: Duration) async -> [[UInt8]] {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let scan = take() { return [scan] }
            if ContinuousClock.now >= deadline { return [] }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    public func close() {
        reader.stop()
        pump?.cancel()
    }
}

public enum PrintVerificationError: Error, CustomStringConvertible, Equatable {
    case misconfigured(printer: String, reason: String)

    public var description: String {
        switch self {
        case .misconfigured(let p, let r): return "printers.\(p).verifier: \(r)"
        }
    }
}

/// Print-and-verify: every stamp of a window is read back by the inline scanner before it is
/// commissioned. A stamp that does not read back, or reads as another code, is voided with the
/// reason (a decommissioning event) and the job prints a fresh stamp in its place in the next
/// window; after `maxConsecutiveFailures` failures in a row the job pauses for the operator
/// (ribbon, head, scanner position). Outcomes are kept per job for its verification rate.
public final class PrintVerification: @unchecked Sendable {
    public let readBack: any PrintReadBack
    public let timeout: Duration
    public let maxConsecutiveFailures: Int
    private let lock = NSLock()
    private var consecutive: [Int64: Int] = [:]
    let logger: Logger

    public init(readBack: any PrintReadBack, timeout: Duration, maxConsecutiveFailures: Int,
                logger: Logger = Logger(label: "station.verify")) {
        self.readBack = readBack
        self.timeout = timeout
        self.maxConsecutiveFailures = max(1, maxConsecutiveFailures)
        self.logger = logger
    }

    /// The verification configured for `printer` (`printers.NAME.verifier`), or nil when none is.
    public static func make(printer name: String, config: StationConfig, profiles: DeviceProfileRegistry) throws -> PrintVerification? {
        guard let printer = config.printers.first(where: { $0.name == name }), !printer.verifier.isEmpty else { return nil }
        let readBack: any PrintReadBack
        if printer.verifier == "image" {
            guard printer.driver == .virtual, printer.mode == "raster" else {
                throw PrintVerificationError.misconfigured(printer: name,
                    reason: "\"image\" reads back the virtual printer's PNG; it needs driver = \"virtual\" and mode = \"raster\"")
            }
            readBack = PrintedImageReadBack()
        } else {
            guard let scanner = config.scanners.first(where: { $0.name == printer.verifier }),
                  let kind = ScannerSourceKind(rawValue: scanner.source.rawValue) else {
                let known = config.scanners.map(\.name)
                throw PrintVerificationError.misconfigured(printer: name,
                    reason: "no scanner named \"\(printer.verifier)\" (configured: \(known.isEmpty ? "none" : known.joined(separator: ", ")); or \"image\")")
            }
            let profile = scanner.profile.isEmpty ? nil : profiles.profile(id: scanner.profile)
            do {
                readBack = ScannerReadBack(reader: try ScannerSource.open(name: scanner.name, source: kind, address: scanner.address,
                                                                          profile: profile, debounce: .milliseconds(Int(scanner.debounce * 1000))))
            } catch {
                throw PrintVerificationError.misconfigured(printer: name, reason: "scanner \(scanner.name): \(error)")
            }
        }
        return PrintVerification(readBack: readBack, timeout: .milliseconds(Int(printer.verifyTimeout * 1000)),
                                 maxConsecutiveFailures: printer.verifyFailures)
    }

    /// What one read-back showed.
    public enum Outcome: String, Sendable, Codable { case passed, noRead = "no_read", mismatch }

    /// The stamp a code names: GTIN and serial (what the job sent), or nil for anything else.
    static func stampKey(_ bytes: [UInt8]) -> String? {
        guard let text = String(validating: bytes, as: UTF8.self), let code = try? TraceCode(parsing: text),
              let serial = code.serial else { return nil }
        return code.gtin.gtin14 + "|" + serial
    }

    /// Matches read-backs to the window's labels in order. An inline scanner that missed a
    /// label delivers the next label's code instead: that label is then `noRead` and the later one passes.
    func outcomes(labels: [PrintableLabel], receipts: [PrintReceipt]) async -> [(Outcome, String?)] {
        let expected = labels.map { Self.stampKey(Array($0.summary.utf8)) }
        var result = [(Outcome, String?)](repeating: (.noRead, nil), count: labels.count)
        var i = 0
        while i < labels.count {
            let reads = await readBack.read(after: receipts[i], timeout: timeout)
            let keys = reads.map(Self.stampKey)
            let text = reads.first.map { String(decoding: $0, as: UTF8.self) }
            if reads.isEmpty {
                i += 1
            } else if let e = expected[i], keys.contains(e) {
                result[i] = (.passed, text)
                i += 1
            } else if let later = (i + 1..<labels.count).first(where: { k in expected[k].map { keys.contains($0) } ?? false }) {
                result[later] = (.passed, text)
                i = later + 1
            } else {
                result[i] = (.mismatch, text)
                i += 1
            }
        }
        return result
    }

    /// After a window was printed and the printer confirmed it: reads every stamp back,
    /// commissions the ones read correctly, voids the others with their reason. Returns how many
    /// passed, and the pause reason when failures in a row reached the limit.
    func settle(_ jobs: PrintJobs, job: PrintJob, reservation r: Reservation, labels: [PrintableLabel],
                receipts: [PrintReceipt]) async throws -> (passed: Int, pause: String?) {
        let results = await outcomes(labels: labels, receipts: receipts)
        var passed = 0
        var pause: String?
        for (i, (outcome, text)) in results.enumerated() {
            let serial = r.serial(at: i)
            switch outcome {
            case .passed:
                try jobs.trace.ledger.commission(r, indices: i..<(i + 1), operatorID: job.operatorID)
                passed += 1
            case .noRead, .mismatch:
                let why = outcome == .noRead
                    ? "kiểm tra sau in: máy quét \(readBack.source) không đọc được tem; hủy và in tem thay thế (print verification: no read)"
                    : "kiểm tra sau in: máy quét \(readBack.source) đọc ra mã khác; hủy và in tem thay thế (print verification: read \(text ?? "?"))"
                try jobs.trace.ledger.void(r, gtin: r.gtin, serial: serial, reason: why, operatorID: job.operatorID)
                logger.warning("printed stamp failed verification: voided, a replacement follows",
                               metadata: ["job": "\(job.id)", "serial": "\(serial)", "outcome": "\(outcome.rawValue)"])
            }
            try record(job: job.id, gtin: r.gtin, serial: serial, outcome: outcome, read: text, in: jobs.trace.store)
            let run = lock.withLock { () -> Int in
                consecutive[job.id] = outcome == .passed ? 0 : (consecutive[job.id] ?? 0) + 1
                return consecutive[job.id] ?? 0
            }
            if run >= maxConsecutiveFailures && pause == nil {
                pause = "verification_failed: \(run) tem liên tiếp không qua kiểm tra sau in — kiểm tra ribbon, đầu in và máy quét kiểm tra "
                    + "(\(run) printed stamps in a row failed verification by \(readBack.source))"
                lock.withLock { consecutive[job.id] = 0 }
            }
        }
        return (passed, pause)
    }

    func record(job: Int64, gtin: String, serial: String, outcome: Outcome, read: String?, in store: StationStore) throws {
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO print_verifications(job_id, gtin, serial, outcome, read_text, checked_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [job, gtin, serial, outcome.rawValue, read, Timestamp.now()])
        }
    }

    /// A job's verification figures: stamps read back, how many passed, and the rate.
    public struct Report: Sendable, Codable, Equatable {
        public var checked: Int
        public var passed: Int
        public var noRead: Int
        public var mismatch: Int
        public var rate: Double { checked == 0 ? 1 : Double(passed) / Double(checked) }

        public var summary: String {
            "kiểm tra sau in: \(passed)/\(checked) tem đọc đúng (\(String(format: "%.1f", rate * 100)) %), "
                + "\(noRead) không đọc được, \(mismatch) sai mã"
        }
    }

    /// The verification figures of a job, or nil when none of its stamps was verified.
    public static func report(job: Int64, store: StationStore) throws -> Report? {
        try store.pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT outcome, COUNT(*) AS n FROM print_verifications WHERE job_id = ? GROUP BY outcome",
                                        arguments: [job])
            guard !rows.isEmpty else { return nil }
            var r = Report(checked: 0, passed: 0, noRead: 0, mismatch: 0)
            for row in rows {
                let n: Int = row["n"]
                r.checked += n
                switch Outcome(rawValue: row["outcome"]) {
                case .passed: r.passed += n
                case .noRead: r.noRead += n
                case .mismatch: r.mismatch += n
                case nil: break
                }
            }
            return r
        }
    }
}

extension PrintJobs {
    /// Pauses a job whose stamps keep failing verification (nothing is uncertain: each was voided or commissioned).
    func pause(_ id: Int64, verification reason: String) throws -> PrintJob {
        try setState(id, .paused, reason: reason)
        logger.warning("print job paused: printed stamps keep failing verification", metadata: ["job": "\(id)"])
        return try job(id)
    }
}
