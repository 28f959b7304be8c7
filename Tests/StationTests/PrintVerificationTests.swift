import Barcodes
import Devices
import Foundation
import GRDB
import Testing
@testable import Station
@testable import Trace

/// Print-and-verify with the virtual printer: the verifier decodes the PNG of each printed label
/// with zbar, so a staged smudge or blank label is really unreadable, not declared so.
@Suite struct PrintVerificationTests {
    struct Line {
        let trace: TraceServices
        var jobs: PrintJobs
        let printer: any LabelPrinter
        let factory: LabelFactory
        let batch: Batch
        let labels: URL
    }

    func setUp(verifier: String = "image", failures: Int = 3, extra: [String] = []) throws -> Line {
        let dir = StationProcess.temporaryDirectory()
        let config = try StationConfig.load(file: nil, environment: [:], overrides: [
            "data.dir=\(dir.path)", "printers.line1.driver=virtual", "printers.line1.mode=raster",
            "printers.line1.verifier=\(verifier)", "printers.line1.verify_failures=\(failures)", "jobs.window=3",
        ] + extra)
        let trace = try TraceServices(config: config)
        let product = try trace.catalog.addProduct(Product(gtin: "8938512345017", name: "Miến dong Na Rì", producer: "HTX Miến dong Na Rì",
                                                           producerGLN: "8938512340005", shelfLifeDays: 364))
        let batch = try trace.catalog.createBatch(gtin: product.gtin, lot: "PV1", productionDate: "2025-03-14", expiryDate: nil, plannedQuantity: 1000)
        let printer = try PrinterSetup.pick(try PrinterSetup.make(config), named: "line1")
        let factory = try LabelFactory(templatesDirectory: PrintJobTests.templates, product: product, batch: batch, language: .zpl, dpi: 203,
                                       mode: .raster, resolver: config.resolverBase, tagger: trace.tagger)
        var jobs = PrintJobs(trace: trace)
        jobs.window = config.jobWindow
        jobs.verification = try PrintVerification.make(printer: "line1", config: config, profiles: DeviceProfileRegistry(profiles: []))
        return Line(trace: trace, jobs: jobs, printer: printer, factory: factory, batch: batch, labels: dir.appendingPathComponent("labels"))
    }

    /// Serials in the decommissioning events and their reasons.
    func voids(_ trace: TraceServices) throws -> [String] {
        try trace.store.pool.read { db in
            try Data.fetchAll(db, sql: "SELECT body FROM events WHERE biz_step = 'decommissioning' ORDER BY seq").map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// What zbar reads in each printed PNG, in print order (nil = nothing readable).
    func readPrinted(_ labels: URL) throws -> [String?] {
        let pngs = try FileManager.default.contentsOfDirectory(atPath: labels.path).filter { $0.hasSuffix(".png") }.sorted()
        return try pngs.map { name in
            let image = try PNGCodec.decode([UInt8](try Data(contentsOf: labels.appendingPathComponent(name))))
            return BarcodeDecoder().decode(image).compactMap(\.text).first
        }
    }

    @Test func smudgedLabelIsVoidedWithItsReasonAndReplacedByAFreshStamp() async throws {
        let line = try setUp()
        // The next label comes out smudged (a wrinkled ribbon): staged like the printer's other faults.
        try FileManager.default.createDirectory(at: line.labels, withIntermediateDirectories: true)
        try "1\n".write(to: line.labels.appendingPathComponent("smudge"), atomically: true, encoding: .utf8)
        let job = try line.jobs.create(batchID: line.batch.id, count: 7, printer: "line1", operatorID: "op1")
        let done = try await line.jobs.run(job.id, printer: line.printer, factory: line.factory)
        #expect(done.state == .completed)
        #expect(done.printed == 7 && done.voided == 1 && done.uncertain == 0)
        #expect(!FileManager.default.fileExists(atPath: line.labels.appendingPathComponent("smudge").path), "the staged defect is used up")

        // On paper: 8 labels, the first unreadable, 7 readable stamps, each a commissioned serial.
        let printed = try readPrinted(line.labels)
        #expect(printed.count == 8)
        #expect(printed.first == .some(nil), "the smudged label must not decode")
        let readable = printed.compactMap { $0 }
        #expect(readable.count == 7 && Set(readable).count == 7)
        for text in readable {
            let verdict = line.trace.verifier.verify(text)
            #expect(verdict.kind == .genuine, "\(text): \(verdict.reason)")
        }
        let voidEvents = try voids(line.trace)
        #expect(voidEvents.count == 1)
        #expect(voidEvents.first?.contains("print verification: no read") == true)
        let voidedSerial = try #require(try jobSerials(line, state: "voided").first)
        #expect(voidEvents.first?.contains(voidedSerial) == true)
        #expect(!readable.contains { $0.contains("/21/\(voidedSerial)") })

        let report = try #require(try PrintVerification.report(job: job.id, store: line.trace.store))
        #expect(report.checked == 8 && report.passed == 7 && report.noRead == 1 && report.mismatch == 0)
        #expect(abs(report.rate - 7.0 / 8.0) < 1e-9)
    }

    @Test func consecutiveFailuresPauseTheJobAndResumeFinishesIt() async throws {
        let line = try setUp(failures: 3)
        try FileManager.default.createDirectory(at: line.labels, withIntermediateDirectories: true)
        try "4\n".write(to: line.labels.appendingPathComponent("blank"), atomically: true, encoding: .utf8)
        let job = try line.jobs.create(batchID: line.batch.id, count: 5, printer: "line1", operatorID: nil)
        let paused = try await line.jobs.run(job.id, printer: line.printer, factory: line.factory)
        #expect(paused.state == .paused)
        #expect(paused.pauseReason?.hasPrefix("verification_failed") == true, "\(paused.pauseReason ?? "")")
        #expect(paused.printed == 0 && paused.voided == 3 && paused.uncertain == 0)

        // The operator fixes the ribbon (one more blank is still staged) and resumes.
        try line.jobs.prepareResume(job.id)
        let done = try await line.jobs.run(job.id, printer: line.printer, factory: line.factory)
        #expect(done.state == .completed)
        #expect(done.printed == 5 && done.voided == 4)
        #expect(try voids(line.trace).count == 4)
        let commissioned = try await line.trace.store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM events WHERE biz_step = 'commissioning'") }
        #expect(commissioned == 5)
        #expect(try readPrinted(line.labels).compactMap { $0 }.count == 5)
        #expect(try line.trace.ledger.events.verifyChain().isIntact)
    }

    /// The inline scanner on a serial line (a pseudo-terminal): the test plays the scanner mounted
    /// after the head, reading each new label image with zbar and sending what it read, as a
    /// scanner would; a smudged label gives it nothing to send.
    @Test func inlineSerialScannerReadsBackEachStamp() async throws {
        // A pseudo-terminal: unlock the slave (TIOCSPTLCK) and ask its number (TIOCGPTN), <asm-generic/ioctls.h>.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlocked: Int32 = 0, number: UInt32 = 0
        try #require(master >= 0)
        defer { close(master) }
        try #require(ioctl(master, UInt(0x4004_5431), &unlocked) == 0)
        try #require(ioctl(master, UInt(0x8004_5430), &number) == 0)
        let slave = "/dev/pts/\(number)"
        let line = try setUp(verifier: "inline", extra: ["scanners.inline.source=serial", "scanners.inline.address=\(slave)",
                                                         "printers.line1.verify_timeout=1.5"])
        defer { line.jobs.verification?.readBack.close() }
        try FileManager.default.createDirectory(at: line.labels, withIntermediateDirectories: true)
        try "1\n".write(to: line.labels.appendingPathComponent("smudge"), atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(500))   // the reader opens the line and sets it raw
        let labels = line.labels
        // A thread of its own, like the device it plays: busy tests elsewhere cannot delay it.
        let stop = StopFlag()
        let scanner = Thread {
            var seen = Set<String>()
            while !stop.isSet {
                let pngs = ((try? FileManager.default.contentsOfDirectory(atPath: labels.path)) ?? []).filter { $0.hasSuffix(".png") }.sorted()
                for name in pngs where !seen.contains(name) {
                    seen.insert(name)
                    guard let data = FileManager.default.contents(atPath: labels.appendingPathComponent(name).path),
                          let image = try? PNGCodec.decode([UInt8](data)),
                          let text = BarcodeDecoder().decode(image).compactMap(\.text).first else { continue }
                    let bytes = Array((text + "\r").utf8)
                    _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
                }
                usleep(10_000)
            }
        }
        scanner.start()
        defer { stop.set() }
        let job = try line.jobs.create(batchID: line.batch.id, count: 4, printer: "line1", operatorID: nil)
        let done = try await line.jobs.run(job.id, printer: line.printer, factory: line.factory)
        #expect(done.state == PrintJob.State.completed)
        #expect(done.printed == 4)
        #expect(done.voided == 1)
        let report = try #require(try PrintVerification.report(job: job.id, store: line.trace.store))
        #expect(report.passed == 4)
        #expect(report.noRead == 1)
        let reason = try voids(line.trace).first ?? ""
        #expect(reason.contains("máy quét inline không đọc được"), "\(reason)")
    }

    @Test func verifierMustNameAScannerOrImageOnAVirtualRasterPrinter() throws {
        let dir = StationProcess.temporaryDirectory()
        let registry = DeviceProfileRegistry(profiles: [])
        let unknown = try StationConfig.load(file: nil, environment: [:], overrides: [
            "data.dir=\(dir.path)", "printers.line1.driver=virtual", "printers.line1.verifier=inline"])
        #expect(throws: PrintVerificationError.self) { try PrintVerification.make(printer: "line1", config: unknown, profiles: registry) }
        let native = try StationConfig.load(file: nil, environment: [:], overrides: [
            "data.dir=\(dir.path)", "printers.line1.driver=virtual", "printers.line1.mode=native", "printers.line1.verifier=image"])
        #expect(throws: PrintVerificationError.self) { try PrintVerification.make(printer: "line1", config: native, profiles: registry) }
        let none = try StationConfig.load(file: nil, environment: [:], overrides: ["data.dir=\(dir.path)", "printers.line1.driver=virtual"])
        #expect(try PrintVerification.make(printer: "line1", config: none, profiles: registry) == nil)
    }

    /// An inline scanner that missed a label hands over the next label's code: the missed one
    /// fails, the later one passes, and nothing is paired with the wrong stamp.
    @Test func readBacksArePairedWithLabelsInPrintOrder() async throws {
        let line = try setUp(verifier: "")
        let serials = ["AAAAAAAAA2", "BBBBBBBBB3", "CCCCCCCCC4", "DDDDDDDDD5"]
        let labels = try serials.map { try line.factory.label(serial: $0) }
        let receipts = serials.map { _ in PrintReceipt(printer: "line1", bytesWritten: 1, file: nil) }
        // Label 2 (B) is missed; C and D read; then a stranger code for nothing.
        let scans = [labels[0].summary, labels[2].summary, "https://txng.backan.gov.vn/01/08938512345017/21/ZZZZZZZZZ9"]
        let verification = PrintVerification(readBack: QueuedReadBack(scans.map { Array($0.utf8) }), timeout: .milliseconds(50),
                                             maxConsecutiveFailures: 3)
        let outcomes = await verification.outcomes(labels: labels, receipts: receipts).map(\.0)
        #expect(outcomes == [.passed, .noRead, .passed, .mismatch])
    }

    func jobSerials(_ line: Line, state: String) throws -> [String] {
        try line.trace.store.pool.read { try String.fetchAll($0, sql: "SELECT serial FROM serial_states WHERE state = ?", arguments: [state]) }
    }
}

/// Scans an inline scanner delivered, in order; empty once they are used up (a timeout).
final class QueuedReadBack: PrintReadBack, @unchecked Sendable {
    let source = "queued"
    private var scans: [[UInt8]]
    private let lock = NSLock()
    init(_ scans: [[UInt8]]) { self.scans = scans }
    func read(after receipt: PrintReceipt, timeout: Duration) async -> [[UInt8]] {
        lock.withLock { scans.isEmpty ? [] : [scans.removeFirst()] }
    }
    func close() {}
}

/// A flag one thread sets and another polls.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
