import Devices
import Foundation
import GRDB
import Testing
@testable import Station
@testable import Trace

/// A printer whose faults the test scripts: it takes labels until `failSendAt`, and reports
/// `condition` on status queries.
actor ScriptedPrinter: LabelPrinter {
    nonisolated let name = "scripted"
    nonisolated let language = PrinterLanguage.zpl
    nonisolated let dpi = 203
    var received: [String] = []
    var condition = PrinterCondition.ready
    var failSendAt: Int?
    var paperOutAfter: Int?

    func set(condition: PrinterCondition) { self.condition = condition }
    func set(failSendAt: Int?) { self.failSendAt = failSendAt }
    func set(paperOutAfter: Int?) { self.paperOutAfter = paperOutAfter }

    func status() async throws -> PrinterStatus { PrinterStatus(condition: condition) }

    func send(_ label: PrintableLabel) async throws -> PrintReceipt {
        guard condition == .ready else { throw PrinterError.notReady(printer: name, status: condition) }
        if let f = failSendAt, received.count >= f {
            condition = .offline
            throw PrinterError.io(printer: name, reason: "connection reset after 17 bytes")
        }
        received.append(label.summary)
        if let p = paperOutAfter, received.count >= p { condition = .paperOut }
        return PrintReceipt(printer: name, bytesWritten: label.bytes.count, file: nil)
    }
}

@Suite struct PrintJobTests {
    static let templates = ConfigTests.packageRoot.appendingPathComponent("Config/templates")

    func setUp() throws -> (TraceServices, PrintJobs, LabelFactory, Batch) {
        let dir = StationProcess.temporaryDirectory()
        let config = try StationConfig.load(file: nil, environment: [:], overrides: ["data.dir=\(dir.path)"])
        let trace = try TraceServices(config: config)
        let product = try trace.catalog.addProduct(Product(gtin: "8938512345017", name: "Miến dong Na Rì", producer: "HTX",
                                                           producerGLN: "8938512340005", shelfLifeDays: 364))
        let batch = try trace.catalog.createBatch(gtin: product.gtin, lot: "JOB1", productionDate: "2025-03-14", expiryDate: nil, plannedQuantity: 1000)
        let factory = try LabelFactory(templatesDirectory: Self.templates, product: product, batch: batch, language: .zpl, dpi: 203,
                                       mode: .native, resolver: config.resolverBase, tagger: trace.tagger)
        return (trace, PrintJobs(trace: trace), factory, batch)
    }

    /// Every serial the job reserved is commissioned once or void; events match states one to one.
    func expectAccounted(_ trace: TraceServices, _ jobs: PrintJobs, job: Int64, printed: Int, file: String = #filePath, line: Int = #line) throws {
        let j = try jobs.job(job)
        #expect(j.printed == printed)
        #expect(j.uncertain == 0)
        var reserved = 0
        for r in try jobs.reservations(of: job) {
            reserved += r.count
            for s in try trace.ledger.states(of: r) { #expect(s == .commissioned || s == .voided, "a reserved serial was left \(String(describing: s))") }
        }
        #expect(reserved == j.printed + j.voided)
        let (commissioningEvents, voidEvents) = try trace.store.pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE biz_step = 'commissioning'") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE biz_step = 'decommissioning'") ?? -1)
        }
        #expect(commissioningEvents == j.printed)
        #expect(voidEvents == j.voided)
        #expect(try trace.ledger.events.verifyChain().isIntact)
    }

    @Test func jobPrintsEveryStampOnceWithOneEventEach() async throws {
        let (trace, jobs, factory, batch) = try setUp()
        let printer = ScriptedPrinter()
        let job = try jobs.create(batchID: batch.id, count: 23, printer: printer.name, operatorID: "op1")
        let done = try await jobs.run(job.id, printer: printer, factory: factory)
        #expect(done.state == .completed)
        let received = await printer.received
        #expect(received.count == 23 && Set(received).count == 23)
        try expectAccounted(trace, jobs, job: job.id, printed: 23)
    }

    @Test func printerNotReadyAtStartPausesBeforeReservingAnything() async throws {
        let (trace, jobs, factory, batch) = try setUp()
        let printer = ScriptedPrinter()
        await printer.set(condition: .headOpen)
        let job = try jobs.create(batchID: batch.id, count: 5, printer: printer.name, operatorID: nil)
        let paused = try await jobs.run(job.id, printer: printer, factory: factory)
        #expect(paused.state == .paused)
        #expect(paused.pauseReason?.hasPrefix("head_open") == true)
        #expect(try jobs.reservations(of: job.id).isEmpty)
        #expect(try trace.ledger.events.count() == 0)
    }

    @Test func paperOutMidWindowMakesTheWindowUncertainUntilTheOperatorDecides() async throws {
        let (trace, jobs, factory, batch) = try setUp()
        let printer = ScriptedPrinter()
        await printer.set(paperOutAfter: 7)
        let job = try jobs.create(batchID: batch.id, count: 12, printer: printer.name, operatorID: nil)
        let paused = try await jobs.run(job.id, printer: printer, factory: factory)
        #expect(paused.state == .paused)
        #expect(paused.printed == 5)        // first window confirmed
        // Second window: labels 6 and 7 written, paper out after the 7th, the 8th refused.
        #expect(paused.uncertain == 3)      // 6, 7 unconfirmed, 8 refused mid-write
        #expect(paused.voided == 2)         // 9, 10 never written
        #expect(throws: PrintJobError.unresolved(job.id, count: 3)) { try jobs.prepareResume(job.id) }
        let uncertain = try jobs.uncertainSerials(job.id)
        // The operator sees two good stamps on the roll and one missing.
        try jobs.resolve(job.id, printed: Array(uncertain.prefix(2)), voided: Array(uncertain.dropFirst(2)), reason: "hết giấy", operatorID: "op1")
        await printer.set(condition: .ready)
        await printer.set(paperOutAfter: nil)
        try jobs.prepareResume(job.id)
        let done = try await jobs.run(job.id, printer: printer, factory: factory)
        #expect(done.state == .completed)
        #expect(done.voided == 3)
        try expectAccounted(trace, jobs, job: job.id, printed: 12)
        let received = await printer.received
        #expect(Set(received).count == received.count, "a serial went to the printer twice")
    }

    @Test func disconnectMidWindowVoidsUnsentAndAsksAboutTheRest() async throws {
        let (trace, jobs, factory, batch) = try setUp()
        let printer = ScriptedPrinter()
        await printer.set(failSendAt: 8)   // labels 1–8 written, the 9th fails
        let job = try jobs.create(batchID: batch.id, count: 10, printer: printer.name, operatorID: nil)
        let paused = try await jobs.run(job.id, printer: printer, factory: factory)
        #expect(paused.state == .paused)
        #expect(paused.printed == 5)
        #expect(paused.uncertain == 4)      // 6, 7, 8 unconfirmed and 9 partly written
        #expect(paused.voided == 1)         // 10 never written
        try jobs.resolve(job.id, printed: [], voided: try jobs.uncertainSerials(job.id), reason: "mất kết nối", operatorID: nil)
        await printer.set(failSendAt: nil)
        await printer.set(condition: .ready)
        try jobs.prepareResume(job.id)
        let done = try await jobs.run(job.id, printer: printer, factory: factory)
        #expect(done.state == .completed)
        try expectAccounted(trace, jobs, job: job.id, printed: 10)
    }

    @Test func staleJobsDoNotResumeWithoutForce() async throws {
        let (trace, jobs, factory, batch) = try setUp()
        let printer = ScriptedPrinter()
        await printer.set(condition: .paperOut)
        let job = try jobs.create(batchID: batch.id, count: 3, printer: printer.name, operatorID: nil)
        _ = try await jobs.run(job.id, printer: printer, factory: factory)
        try await trace.store.pool.write { try $0.execute(sql: "UPDATE print_jobs SET updated_at = '2020-01-01T00:00:00.000Z' WHERE id = ?", arguments: [job.id]) }
        #expect(throws: PrintJobError.expired(job.id, hours: 8)) { try jobs.prepareResume(job.id) }
        try jobs.prepareResume(job.id, force: true)
    }

    @Test func cancelVoidsNothingPrintedAndStopsTheJob() async throws {
        let (trace, jobs, factory, batch) = try setUp()
        let printer = ScriptedPrinter()
        await printer.set(paperOutAfter: 5)
        let job = try jobs.create(batchID: batch.id, count: 20, printer: printer.name, operatorID: nil)
        _ = try await jobs.run(job.id, printer: printer, factory: factory)
        #expect(try jobs.job(job.id).uncertain == 5)
        try jobs.resolve(job.id, printed: try jobs.uncertainSerials(job.id), voided: [], reason: "", operatorID: nil)
        try jobs.cancel(job.id, operatorID: nil)
        let j = try jobs.job(job.id)
        #expect(j.state == .cancelled)
        try expectAccounted(trace, jobs, job: job.id, printed: 5)
    }
}
