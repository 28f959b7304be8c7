import Devices
import Foundation
import Logging
import ServiceLifecycle
import Station
import Trace

/// A print job as the API and the UI show it: the job's own counts plus what it prints.
struct JobView: Codable, Sendable, Equatable {
    var id: Int64
    var batchID: Int64
    var lot: String
    var product: String
    var printer: String
    var requested: Int
    var printed: Int
    var voided: Int
    var uncertain: Int
    var state: String
    var pauseReason: String?
    var operatorID: String?
    var progress: Double
    var createdAt: String
    var updatedAt: String
    /// Serials the operator must confirm or void (only in the answer about one job).
    var uncertainSerials: [String]?
    /// Print-and-verify: how many stamps were read back and how many read right (nil without an inline verifier).
    var verification: PrintVerification.Report?

    init(_ j: PrintJob, trace: TraceServices, uncertainSerials: [String]? = nil) {
        let batch = try? trace.catalog.batch(id: j.batchID)
        id = j.id
        batchID = j.batchID
        lot = batch?.lot ?? "?"
        product = batch.flatMap { try? trace.catalog.product(gtin: $0.gtin).name } ?? "?"
        printer = j.printer
        requested = j.requested
        printed = j.printed
        voided = j.voided
        uncertain = j.uncertain
        state = j.state.rawValue
        pauseReason = j.pauseReason
        operatorID = j.operatorID
        progress = j.progress
        createdAt = j.createdAt
        updatedAt = j.updatedAt
        self.uncertainSerials = uncertainSerials
        verification = try? PrintVerification.report(job: j.id, store: trace.store)
    }
}

/// A printer's true status as last reported by the printer itself.
struct PrinterView: Codable, Sendable, Equatable {
    var name: String
    var driver: String
    var language: String
    var dpi: Int
    /// `ready`, `paper_out`, `head_open`, ... (``PrinterCondition``).
    var condition: String
    var conditionText: String
    var detail: String
    var faults: [String]
    var warnings: [String]
    var labelsRemaining: Int?
    /// The job printing on it now, if any.
    var job: Int64?
    var checkedAt: String

    init(name: String, driver: String, printer: any LabelPrinter, status: PrinterStatus, job: Int64?) {
        self.name = name
        self.driver = driver
        language = printer.language.rawValue
        dpi = printer.dpi
        condition = status.condition.rawValue
        conditionText = status.condition.vietnamese
        detail = status.detail
        faults = status.faults.map(\.rawValue)
        warnings = status.warnings.map(\.rawValue)
        labelsRemaining = status.labelsRemaining
        self.job = job
        checkedAt = Timestamp.now()
    }
}

/// Passes everything to the real printer and publishes every status the printer reports, so the
/// UI shows the status the job itself just read (a printer is never asked twice at once).
struct StatusReportingPrinter: LabelPrinter {
    let base: any LabelPrinter
    let report: @Sendable (PrinterStatus) -> Void
    var name: String { base.name }
    var language: PrinterLanguage { base.language }
    var dpi: Int { base.dpi }

    func send(_ label: PrintableLabel) async throws -> PrintReceipt { try await base.send(label) }

    func status() async throws -> PrinterStatus {
        do {
            let s = try await base.status()
            report(s)
            return s
        } catch {
            report(PrinterStatus(condition: .offline, detail: "\(error)"))
            throw error
        }
    }
}

/// Runs print jobs inside the daemon, one at a time per printer, and reports their progress and
/// the printers' status to the live hub. The store is the truth: every count shown comes from it.
public actor JobRunner {
    let core: StationCore
    let jobs: PrintJobs
    let hub: LiveHub
    let logger: Logger
    private var tasks: [Int64: Task<Void, Never>] = [:]
    private var printerJobs: [String: Int64] = [:]
    private var stopping = false

    public init(core: StationCore, hub: LiveHub, logger: Logger = Logger(label: "station.jobs")) {
        self.core = core
        self.hub = hub
        self.logger = logger
        var jobs = PrintJobs(trace: core.trace, logger: logger)
        jobs.window = core.config.jobWindow
        jobs.expiryHours = core.config.jobExpiryHours
        do { jobs.serialSupply = try SerialSupply.fromServer(config: core.config, trace: core.trace, logger: logger) } catch {
            logger.error("serials.source = server, but the trace-server cannot be asked for serial blocks: \(error); print jobs pause when the station's blocks run out")
        }
        self.jobs = jobs
    }

    func view(_ id: Int64, detailed: Bool = false) throws -> JobView {
        JobView(try jobs.job(id), trace: core.trace, uncertainSerials: detailed ? try jobs.uncertainSerials(id) : nil)
    }

    func list(activeOnly: Bool) throws -> [JobView] {
        try jobs.list(activeOnly: activeOnly).map { JobView($0, trace: core.trace) }
    }

    /// The job printing on `printer` now.
    func busyJob(printer: String) -> Int64? { printerJobs[printer] }

    /// Creates a job for a batch (id or lot) and starts it.
    func create(batch ref: String, count: Int, printer name: String?, operatorID: String?) throws -> JobView {
        let printer = try PrinterSetup.pick(core.printers, named: name)
        if let busy = printerJobs[printer.name] { throw APIInputError("Máy in \(printer.name) đang in lệnh \(busy): chờ xong hoặc tạm dừng lệnh đó.") }
        let batch = try core.trace.catalog.batch(named: ref)
        let job = try jobs.create(batchID: batch.id, count: count, printer: printer.name, operatorID: operatorID)
        try start(job.id)
        return try view(job.id)
    }

    /// Makes a paused job runnable and starts it where it stopped.
    func resume(_ id: Int64, force: Bool) throws -> JobView {
        let j = try jobs.job(id)
        if let busy = printerJobs[j.printer], busy != id { throw APIInputError("Máy in \(j.printer) đang in lệnh \(busy).") }
        guard tasks[id] == nil else { return try view(id) }
        // Running in the store but not in this daemon: its run stopped on a store that refused
        // writes. Settle it (sent stamps uncertain) before the operator's resume.
        if j.state == .running {
            try jobs.settleInterrupted(j, reason: "its run stopped", voidReason: "không in: lệnh in bị gián đoạn (job interrupted)")
        }
        try jobs.prepareResume(id, force: force)
        try start(id)
        return try view(id)
    }

    /// Asks a job to stop after the window it is printing, and answers once it has stopped: a job
    /// shown as paused prints nothing more until it is resumed.
    func pause(_ id: Int64) async throws -> JobView {
        _ = try jobs.job(id)
        try jobs.requestPause(id, reason: "paused by the operator")
        if let running = tasks[id] { await running.value }
        return try view(id)
    }

    /// Cancels a job: a running one first finishes its window, then its unused serials are voided.
    func cancel(_ id: Int64, operatorID: String?) async throws -> JobView {
        _ = try jobs.job(id)
        if let running = tasks[id] {
            try jobs.requestPause(id, reason: "cancelled by the operator")
            await running.value
        }
        try jobs.cancel(id, operatorID: operatorID)
        let v = try view(id)
        hub.publish("job", v)
        return v
    }

    func resolve(_ id: Int64, printed: [String], voided: [String], reason: String, operatorID: String?) throws -> JobView {
        try jobs.resolve(id, printed: printed, voided: voided, reason: reason, operatorID: operatorID)
        let v = try view(id, detailed: true)
        hub.publish("job", v)
        return v
    }

    private func start(_ id: Int64) throws {
        guard !stopping else { throw APIInputError("Trạm đang dừng: không bắt đầu lệnh in mới.") }
        let job = try jobs.job(id)
        let base = try PrinterSetup.pick(core.printers, named: job.printer)
        let factory = try labelFactory(for: job, printer: base)
        let (hub, trace, logger) = (hub, core.trace, logger)
        let driver = core.config.printers.first { $0.name == base.name }?.driver.rawValue ?? "?"
        let printer = StatusReportingPrinter(base: base) { status in
            hub.publish("printer", PrinterView(name: base.name, driver: driver, printer: base, status: status, job: id))
        }
        // Print-and-verify: the printer's inline verifier (a scanner after the head, or the virtual printer's image) reads every stamp back.
        var jobs = self.jobs
        let profiles = (try? DeviceProfileRegistry(directory: DeviceProfileRegistry.defaultDirectory())) ?? DeviceProfileRegistry(profiles: [])
        jobs.verification = try PrintVerification.make(printer: base.name, config: core.config, profiles: profiles)
        printerJobs[base.name] = id
        let sendableFactory = UncheckedFactory(factory)
        tasks[id] = Task.detached { [jobs] in
            defer { jobs.verification?.readBack.close() }
            do {
                let done = try await jobs.run(id, printer: printer, factory: sendableFactory.factory) { _ in
                    if let j = try? jobs.job(id) { hub.publish("job", JobView(j, trace: trace)) }
                }
                hub.publish("job", JobView(done, trace: trace))
            } catch {
                logger.error("print job stopped by an error: \(StoreError.classify(error).map { "\($0)" } ?? "\(error)")", metadata: ["job": "\(id)"])
                try? jobs.requestPause(id, reason: "error: \(error)")
                if let j = try? jobs.job(id) { hub.publish("job", JobView(j, trace: trace)) }
            }
            await self.finished(id, printer: base.name)
            // The printer is free again: show its own status without the job.
            let status: PrinterStatus
            do { status = try await base.status() } catch { status = PrinterStatus(condition: .offline, detail: "\(error)") }
            hub.publish("printer", PrinterView(name: base.name, driver: driver, printer: base, status: status, job: nil))
        }
        hub.publish("job", try view(id))
    }

    private func finished(_ id: Int64, printer: String) {
        tasks[id] = nil
        if printerJobs[printer] == id { printerJobs[printer] = nil }
    }

    nonisolated func labelFactory(for job: PrintJob, printer: any LabelPrinter) throws -> LabelFactory {
        try labelFactory(batch: try core.trace.catalog.batch(id: job.batchID), printer: printer)
    }

    /// Labels of `batch` in the language, resolution and mode configured for `printer`.
    nonisolated func labelFactory(batch: Batch, printer: any LabelPrinter) throws -> LabelFactory {
        try LabelFactory.forPrinter(printer, config: core.config, product: try core.trace.catalog.product(gtin: batch.gtin), batch: batch,
                                    tagger: core.trace.tagger)
    }

    /// On shutdown: every running job finishes its window and pauses; nothing new starts.
    func shutdown() async {
        stopping = true
        for id in tasks.keys { try? jobs.requestPause(id, reason: "station stopping: paused after the current window") }
        for (id, task) in tasks {
            await task.value
            logger.info("print job paused for the shutdown", metadata: ["job": "\(id)"])
        }
    }
}

/// A label factory handed to exactly one job task (its FreeType caches are used by that task only).
struct UncheckedFactory: @unchecked Sendable {
    let factory: LabelFactory
    init(_ f: LabelFactory) { factory = f }
}

/// The job runner as a service: it lives as long as the daemon, and on graceful shutdown lets
/// running jobs finish their current window, then pauses them for the operator.
public struct JobRunnerService: Service {
    let runner: JobRunner

    public init(runner: JobRunner) { self.runner = runner }

    public func run() async throws {
        try? await gracefulShutdown()
        await runner.shutdown()
    }
}
