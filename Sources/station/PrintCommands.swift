import ArgumentParser
import Devices
import Foundation
import Station
import StationWeb
import Trace

/// Opens what a print job needs from the configuration.
func jobContext(_ options: GlobalOptions) throws -> (StationConfig, TraceServices, PrintJobs, [String: any LabelPrinter]) {
    let config = try options.load()
    let trace = try openTrace(options)
    var jobs = PrintJobs(trace: trace)
    jobs.window = config.jobWindow
    jobs.expiryHours = config.jobExpiryHours
    jobs.serialSupply = try reporting { try SerialSupply.fromServer(config: config, trace: trace) }
    let printers = try reporting { try PrinterSetup.make(config) }
    return (config, trace, jobs, printers)
}

/// Runs a queued job in this process and prints its progress.
func runJob(_ id: Int64, config: StationConfig, trace: TraceServices, jobs: PrintJobs, printers: [String: any LabelPrinter]) async throws -> PrintJob {
    let j = try jobs.job(id)
    let printer = try reporting { try PrinterSetup.pick(printers, named: j.printer) }
    let batch = try trace.catalog.batch(id: j.batchID)
    let product = try trace.catalog.product(gtin: batch.gtin)
    let factory = try reporting { try LabelFactory.forPrinter(printer, config: config, product: product, batch: batch, tagger: trace.tagger) }
    var jobs = jobs
    let profiles = (try? DeviceProfileRegistry(directory: DeviceProfileRegistry.defaultDirectory())) ?? DeviceProfileRegistry(profiles: [])
    jobs.verification = try reporting { try PrintVerification.make(printer: printer.name, config: config, profiles: profiles) }
    defer { jobs.verification?.readBack.close() }
    let done = try await jobs.run(id, printer: printer, factory: factory) { p in
        if case .window(let printed, let requested) = p { FileHandle.standardError.write(Data("\rđã in \(printed)/\(requested)".utf8)) }
    }
    FileHandle.standardError.write(Data("\n".utf8))
    if let report = try PrintVerification.report(job: id, store: trace.store) { print(report.summary) }
    return done
}

func describe(_ j: PrintJob) -> String {
    var s = "job \(j.id): \(j.state.rawValue) — printed \(j.printed)/\(j.requested), void \(j.voided), uncertain \(j.uncertain) on \(j.printer)"
    if let r = j.pauseReason, j.state == .paused { s += "\n  paused: \(r)" }
    return s
}

struct PrintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "print",
        abstract: "Print N serialized stamps of a batch: serials reserved durably, printer status checked every window, one commissioning event per stamp.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "Batch id or lot.") var batch: String
    @Option(help: "Number of stamps.") var count: Int
    @Option(help: "Printer name from the configuration (default: the only one).") var printer: String?
    @Option(help: "Operator id, recorded in each event.") var operatorID: String?

    func run() async throws {
        let (config, trace, jobs, printers) = try jobContext(options)
        let p = try reporting { try PrinterSetup.pick(printers, named: printer) }
        let b = try reporting { try trace.catalog.batch(named: batch) }
        let job = try reporting { try jobs.create(batchID: b.id, count: count, printer: p.name, operatorID: operatorID) }
        let done = try await runJob(job.id, config: config, trace: trace, jobs: jobs, printers: printers)
        print(describe(done))
        if done.state == .paused {
            print("  fix the printer, then `station job resume \(done.id)`" + (done.uncertain > 0 ? " (first `station job resolve \(done.id) ...` for the uncertain stamps)" : ""))
            throw ExitCode(3)
        }
    }
}

struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "job", abstract: "Print jobs: list, resume, resolve uncertain stamps, cancel.",
                                                    subcommands: [List.self, Show.self, Resume.self, Resolve.self, Cancel.self, Recover.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List print jobs.")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Only queued, running and paused jobs.") var active = false
        @Flag(help: "JSON output.") var json = false
        func run() throws {
            let jobs = try reporting { try PrintJobs(trace: try openTrace(options)).list(activeOnly: active) }
            if json { return try printJSON(jobs) }
            for j in jobs { print(describe(j)) }
            if jobs.isEmpty { print("no print jobs") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a job and its uncertain stamps.")
        @OptionGroup var options: GlobalOptions
        @Argument var id: Int64
        func run() throws {
            let jobs = PrintJobs(trace: try openTrace(options))
            let j = try reporting { try jobs.job(id) }
            print(describe(j))
            if let report = try PrintVerification.report(job: id, store: jobs.trace.store) { print("  " + report.summary) }
            for s in try jobs.uncertainSerials(id) { print("  uncertain: \(s)") }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a paused job exactly where it stopped.")
        @OptionGroup var options: GlobalOptions
        @Argument var id: Int64
        @Flag(help: "Resume even though the job has been paused longer than jobs.expire_hours.") var force = false
        func run() async throws {
            let (config, trace, jobs, printers) = try jobContext(options)
            try reporting { try jobs.prepareResume(id, force: force) }
            let done = try await runJob(id, config: config, trace: trace, jobs: jobs, printers: printers)
            print(describe(done))
            if done.state == .paused { throw ExitCode(3) }
        }
    }

    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say which uncertain stamps are on paper and which are spoiled.")
        @OptionGroup var options: GlobalOptions
        @Argument var id: Int64
        @Option(parsing: .upToNextOption, help: "Serials that did print correctly.") var printed: [String] = []
        @Option(parsing: .upToNextOption, help: "Serials that did not print or are spoiled.") var void: [String] = []
        @Flag(help: "All uncertain stamps printed.") var allPrinted = false
        @Flag(help: "Void all uncertain stamps.") var allVoid = false
        @Option(help: "Reason recorded with voids.") var reason = "tem hỏng khi máy in lỗi (spoiled when the printer failed)"
        @Option(help: "Operator id.") var operatorID: String?
        func run() throws {
            let jobs = PrintJobs(trace: try openTrace(options))
            let uncertain = try jobs.uncertainSerials(id)
            let p = allPrinted ? uncertain : printed, v = allVoid ? uncertain : void
            try reporting { try jobs.resolve(id, printed: p, voided: v, reason: reason, operatorID: operatorID) }
            print(describe(try jobs.job(id)))
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a job; its unused serials are voided.")
        @OptionGroup var options: GlobalOptions
        @Argument var id: Int64
        @Option(help: "Operator id.") var operatorID: String?
        func run() throws {
            let jobs = PrintJobs(trace: try openTrace(options))
            try reporting { try jobs.cancel(id, operatorID: operatorID) }
            print(describe(try jobs.job(id)))
        }
    }

    struct Recover: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "After a crash: pause interrupted jobs, mark sent stamps uncertain, void unused serials (the daemon does this at start).")
        @OptionGroup var options: GlobalOptions
        func run() throws {
            let ids = try reporting { try PrintJobs(trace: try openTrace(options)).recover() }
            print(ids.isEmpty ? "nothing to recover" : "paused interrupted job(s): \(ids.map(String.init).joined(separator: ", "))")
        }
    }
}
