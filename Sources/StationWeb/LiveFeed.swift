import Devices
import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Station

/// One line of the scan log as the operator sees it.
struct ScanLogEntry: Codable, Sendable, Equatable {
    var id: Int64
    var receivedAt: String
    var scanner: String
    /// The scan as text, control characters shown as `<GS>` etc.
    var text: String
    var kind: String
    /// `accepted`, `flagged`, `rejected` or `duplicate`.
    var outcome: String
    /// What the station said about it (Vietnamese).
    var message: String

    /// The newest `limit` scans after `afterID`, oldest first.
    static func fetch(_ core: StationCore, after afterID: Int64 = 0, limit: Int = 50) throws -> [ScanLogEntry] {
        try core.store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM (SELECT id, received_at, scanner, raw, kind, outcome FROM scan_log WHERE id > ? ORDER BY id DESC LIMIT ?) ORDER BY id
                """, arguments: [afterID, limit]).map { r in
                let raw: Data = r["raw"]
                let outcome: String = r["outcome"]
                let (verdict, message) = Self.split(outcome)
                return ScanLogEntry(id: r["id"], receivedAt: r["received_at"], scanner: r["scanner"], text: Self.display(Array(raw)),
                                    kind: r["kind"], outcome: verdict, message: message)
            }
        }
    }

    /// The log keeps `outcome: message` in one column.
    static func split(_ outcome: String) -> (String, String) {
        guard let r = outcome.range(of: ": ") else { return (outcome, "") }
        return (String(outcome[..<r.lowerBound]), String(outcome[r.upperBound...]))
    }

    static func display(_ raw: [UInt8]) -> String {
        guard let s = String(validating: raw, as: UTF8.self) else { return "<\(raw.count) bytes, not UTF-8>" }
        return s.unicodeScalars.map { $0 == "\u{1D}" ? "<GS>" : ($0.value < 32 ? "<\($0.value)>" : String($0)) }.joined()
    }

    static func lastID(_ core: StationCore) throws -> Int64 {
        try core.store.pool.read { try Int64.fetchOne($0, sql: "SELECT MAX(id) FROM scan_log") ?? 0 }
    }
}

/// Watches what the daemon does outside the web layer and tells the live hub: new lines in the
/// scan log (from any scanner, or another process on the same data directory), device scanners'
/// connection changes, and the status of printers that no job is using. Closes the hub on shutdown so open event streams end.
public struct LiveFeedService: Service {
    let core: StationCore
    let hub: LiveHub
    let runner: JobRunner
    let scanInterval: Duration
    let printerInterval: Duration
    let logger: Logger

    public init(core: StationCore, hub: LiveHub, runner: JobRunner, scanInterval: Duration = .milliseconds(250),
                printerInterval: Duration = .seconds(3), logger: Logger = Logger(label: "station.web")) {
        self.core = core
        self.hub = hub
        self.runner = runner
        self.scanInterval = scanInterval
        self.printerInterval = printerInterval
        self.logger = logger
    }

    public func run() async throws {
        var last = (try? ScanLogEntry.lastID(core)) ?? 0
        var scannersSeen = 0
        var nextPrinterCheck = ContinuousClock.now
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do {
                    for s in try ScanLogEntry.fetch(core, after: last, limit: 200) {
                        hub.publish("scan", s)
                        last = s.id
                    }
                } catch {
                    logger.warning("cannot read the scan log: \(error)")
                }
                // A scanner unplugged or back: the operator sees it at once.
                let board = core.scanners.snapshot()
                if board.version != scannersSeen {
                    scannersSeen = board.version
                    hub.publish("scanners", ScannerView.all(core))
                }
                if ContinuousClock.now >= nextPrinterCheck {
                    nextPrinterCheck = ContinuousClock.now + printerInterval
                    for p in await PrinterBoard.idle(core: core, runner: runner) { hub.publish("printer", p) }
                }
                try? await Task.sleep(for: scanInterval)
            }
        } onGracefulShutdown: {
            hub.close()
        }
        hub.close()
    }
}

/// The printers' true status, asked of each printer that no job is using (a busy printer's
/// status comes from the job's own queries).
enum PrinterBoard {
    static func idle(core: StationCore, runner: JobRunner) async -> [PrinterView] {
        var out: [PrinterView] = []
        for c in core.config.printers {
            guard let p = core.printers[c.name], await runner.busyJob(printer: c.name) == nil else { continue }
            out.append(await view(c, printer: p, job: nil))
        }
        return out
    }

    static func all(core: StationCore, runner: JobRunner) async -> [PrinterView] {
        var out: [PrinterView] = []
        for c in core.config.printers {
            guard let p = core.printers[c.name] else { continue }
            if let job = await runner.busyJob(printer: c.name) {
                // Printing now: the job reads the status every window; say so rather than ask twice.
                out.append(PrinterView(name: c.name, driver: c.driver.rawValue, printer: p,
                                       status: PrinterStatus(condition: .ready, detail: "printing job \(job)"), job: job))
            } else {
                out.append(await view(c, printer: p, job: nil))
            }
        }
        return out
    }

    static func view(_ c: StationConfig.Printer, printer: any LabelPrinter, job: Int64?) async -> PrinterView {
        let status: PrinterStatus
        do { status = try await printer.status() } catch { status = PrinterStatus(condition: .offline, detail: "\(error)") }
        return PrinterView(name: c.name, driver: c.driver.rawValue, printer: printer, status: status, job: job)
    }
}
