import Devices
import Foundation
import GRDB
import Logging
import Trace

/// A print job as the operator sees it. Counts are derived from the serials' own states, so they
/// can never disagree with the ledger (even after `kill -9`).
public struct PrintJob: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable { case queued, running, paused, completed, cancelled }
    public var id: Int64
    public var batchID: Int64
    public var printer: String
    public var requested: Int
    public var state: State
    public var pauseReason: String?
    public var operatorID: String?
    public var createdAt: String
    public var updatedAt: String
    /// Stamps on paper (commissioned).
    public var printed: Int
    /// Serials of this job that were voided (never printed or spoiled).
    public var voided: Int
    /// Sent while the printer failed: the operator must say whether each one printed.
    public var uncertain: Int
    public var progress: Double { requested == 0 ? 1 : min(1, Double(printed) / Double(requested)) }
}

public enum PrintJobError: Error, Equatable, CustomStringConvertible {
    case unknownJob(Int64)
    case notResumable(Int64, PrintJob.State)
    case unresolved(Int64, count: Int)
    case expired(Int64, hours: Double)
    case notInJob(serial: String)
    case invalidCount(Int)

    public var description: String {
        switch self {
        case .unknownJob(let id): return "no print job \(id)"
        case .notResumable(let id, let st): return "job \(id) is \(st.rawValue); only a paused job can be resumed"
        case .unresolved(let id, let n): return "job \(id) has \(n) stamp(s) of uncertain fate: confirm or void them first (`station job resolve`)"
        case .expired(let id, let h): return "job \(id) has been paused for more than \(Int(h)) h; start a new job (or resume with --force after checking the printer)"
        case .notInJob(let s): return "serial \(s) is not an uncertain stamp of this job"
        case .invalidCount(let n): return "a job needs at least 1 stamp (got \(n))"
        }
    }
}

/// Print jobs in the store, and the loop that runs one.
///
/// The loop, per window of a few labels: check the printer's true status → reserve the window's
/// serials durably → mark them sent → write the bytes → ask the printer again → commission the
/// window (one event per stamp). A fault before the write pauses the job; a fault during or right
/// after it marks the window *uncertain* for the operator. Nothing prints again until the
/// operator resumes. Every serial ends commissioned once or void, never lost, never repeated.
public struct PrintJobs: Sendable {
    public let trace: TraceServices
    public var window = 5
    /// A paused job older than this needs `force` to resume: a stale job must not print by surprise.
    public var expiryHours = 8.0
    /// Print-and-verify: each stamp is read back before it is commissioned (nil = no inline scanner).
    public var verification: PrintVerification?
    /// Serial blocks from the trace-server (`serials.source = "server"`); nil = the station's own space.
    public var serialSupply: SerialSupply?
    let logger: Logger

    public init(trace: TraceServices, logger: Logger = Logger(label: "station.jobs")) {
        self.trace = trace
        self.logger = logger
    }

    static func purpose(_ job: Int64) -> String { "job:\(job)" }

    public func create(batchID: Int64, count: Int, printer: String, operatorID: String?) throws -> PrintJob {
        guard count > 0 else { throw PrintJobError.invalidCount(count) }
        let batch = try trace.catalog.batch(id: batchID)
        guard batch.status == .open else { throw CatalogError.batchClosed(batch.lot) }
        let id: Int64 = try trace.store.pool.write { db in
            let now = Timestamp.now()
            try db.execute(sql: """
                INSERT INTO print_jobs(batch_id, printer, requested, state, operator, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?, ?)
                """, arguments: [batchID, printer, count, operatorID, now, now])
            return db.lastInsertedRowID
        }
        return try job(id)
    }

    public func job(_ id: Int64) throws -> PrintJob {
        guard let j = try list(where: "id = ?", [id]).first else { throw PrintJobError.unknownJob(id) }
        return j
    }

    public func list(activeOnly: Bool = false) throws -> [PrintJob] {
        try list(where: activeOnly ? "state IN ('queued', 'running', 'paused')" : "1", [])
    }

    func list(where clause: String, _ args: [DatabaseValueConvertible]) throws -> [PrintJob] {
        try trace.store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT j.*,
                  (SELECT COUNT(*) FROM serial_states s JOIN reservations r ON r.id = s.reservation_id
                    WHERE r.purpose = 'job:' || j.id AND s.state = 'commissioned') AS printed,
                  (SELECT COUNT(*) FROM serial_states s JOIN reservations r ON r.id = s.reservation_id
                    WHERE r.purpose = 'job:' || j.id AND s.state = 'voided') AS voided,
                  (SELECT COUNT(*) FROM serial_states s JOIN reservations r ON r.id = s.reservation_id
                    WHERE r.purpose = 'job:' || j.id AND s.state IN ('uncertain', 'sent')) AS uncertain
                FROM print_jobs j WHERE \(clause) ORDER BY j.id
                """, arguments: StatementArguments(args)).map { r in
                PrintJob(id: r["id"], batchID: r["batch_id"], printer: r["printer"], requested: r["requested"],
                         state: PrintJob.State(rawValue: r["state"]) ?? .paused, pauseReason: r["pause_reason"],
                         operatorID: r["operator"], createdAt: r["created_at"], updatedAt: r["updated_at"],
                         printed: r["printed"], voided: r["voided"], uncertain: r["uncertain"])
            }
        }
    }

    func setState(_ id: Int64, _ state: PrintJob.State, reason: String? = nil) throws {
        try trace.store.pool.write { db in
            try db.execute(sql: "UPDATE print_jobs SET state = ?, pause_reason = ?, updated_at = ? WHERE id = ?",
                           arguments: [state.rawValue, reason, Timestamp.now(), id])
        }
    }

    /// The reservations a job drew serials from.
    public func reservations(of id: Int64) throws -> [Reservation] {
        let ids = try trace.store.pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM reservations WHERE purpose = ? ORDER BY id", arguments: [Self.purpose(id)])
        }
        return try ids.compactMap { try trace.allocator.reservation(id: $0) }
    }

    /// Serials whose fate the operator must decide (sent, then the printer failed).
    public func uncertainSerials(_ id: Int64) throws -> [String] {
        var out: [String] = []
        for r in try reservations(of: id) {
            for (i, s) in try trace.ledger.states(of: r).enumerated() where s == .uncertain || s == .sent { out.append(r.serial(at: i)) }
        }
        return out
    }

    /// After a restart: running jobs become paused, stamps that were sent become uncertain, and
    /// reserved serials that never reached a printer are voided.
    @discardableResult
    public func recover() throws -> [Int64] {
        var recovered: [Int64] = []
        for j in try list(where: "state IN ('running', 'queued', 'paused')", []) {
            if try settleInterrupted(j, reason: "station restarted during the job",
                                     voidReason: "không in: trạm khởi động lại giữa lệnh in (station restarted mid-job)") {
                recovered.append(j.id)
                logger.warning("print job interrupted by a restart: paused for the operator", metadata: ["job": "\(j.id)"])
            }
        }
        return recovered
    }

    /// The bookkeeping of a job whose run stopped without doing its own (a crash, a store that
    /// refused writes): sent stamps become uncertain, unsent reserved serials void, and a job
    /// left running is paused with `reason`. Returns whether the job was running.
    @discardableResult
    public func settleInterrupted(_ j: PrintJob, reason: String, voidReason: String) throws -> Bool {
        for r in try reservations(of: j.id) {
            let states = try trace.ledger.states(of: r)
            for (i, s) in states.enumerated() where s == .sent { try trace.ledger.markUncertain(r, indices: i..<(i + 1)) }
            try trace.ledger.voidUnused(r, reason: voidReason)
        }
        guard j.state == .running else { return false }
        try setState(j.id, .paused, reason: reason)
        return true
    }

    /// The operator's answer for uncertain stamps: which are on paper, which are spoiled.
    public func resolve(_ id: Int64, printed: [String], voided: [String], reason: String, operatorID: String?) throws {
        let uncertain = Set(try uncertainSerials(id))
        for s in printed + voided where !uncertain.contains(s) { throw PrintJobError.notInJob(serial: s) }
        for r in try reservations(of: id) {
            let serials = r.serials
            for (i, s) in serials.enumerated() {
                if printed.contains(s) { try trace.ledger.commission(r, indices: i..<(i + 1), operatorID: operatorID) }
                if voided.contains(s) { try trace.ledger.void(r, gtin: r.gtin, serial: s, reason: reason, operatorID: operatorID) }
            }
        }
    }

    /// Makes a paused job runnable again (the caller then runs it).
    public func prepareResume(_ id: Int64, force: Bool = false) throws {
        let j = try job(id)
        guard j.state == .paused || j.state == .queued else { throw PrintJobError.notResumable(id, j.state) }
        guard j.uncertain == 0 else { throw PrintJobError.unresolved(id, count: j.uncertain) }
        if !force, j.state == .paused, let t = Timestamp.date(j.updatedAt), Date().timeIntervalSince(t) > expiryHours * 3600 {
            throw PrintJobError.expired(id, hours: expiryHours)
        }
        try setState(id, .queued)
    }

    /// Asks a running job to stop after its current window (an operator's pause).
    public func requestPause(_ id: Int64, reason: String = "paused by the operator") throws {
        try trace.store.pool.write { db in
            try db.execute(sql: "UPDATE print_jobs SET state = 'paused', pause_reason = ?, updated_at = ? WHERE id = ? AND state IN ('queued', 'running')",
                           arguments: [reason, Timestamp.now(), id])
        }
    }

    public func cancel(_ id: Int64, operatorID: String?) throws {
        let j = try job(id)
        guard j.uncertain == 0 else { throw PrintJobError.unresolved(id, count: j.uncertain) }
        for r in try reservations(of: id) { try trace.ledger.voidUnused(r, reason: "lệnh in bị hủy (job cancelled)", operatorID: operatorID) }
        try setState(id, .cancelled, reason: "cancelled by the operator")
    }

    /// Progress reports while a job runs.
    public enum Progress: Sendable {
        case window(printed: Int, requested: Int)
        case paused(reason: String, status: PrinterStatus?)
        case completed(printed: Int)
    }

    /// Runs a queued job to completion or to its next pause.
    public func run(_ id: Int64, printer: any LabelPrinter, factory: LabelFactory,
                    progress: @Sendable (Progress) -> Void = { _ in }) async throws -> PrintJob {
        do {
            return try await runWindows(id, printer: printer, factory: factory, progress: progress)
        } catch {
            guard let storage = StoreError.classify(error) else { throw error }
            // The store refused a write mid-job: what is committed stands, the step that failed did
            // not happen. Settle the job now if the store takes this much; `job recover` does it later otherwise.
            logger.error("print job stopped: \(storage)", metadata: ["job": "\(id)"])
            if let j = try? job(id) {
                _ = try? settleInterrupted(j, reason: "storage: \(storage)", voidReason: "không in: đĩa đầy hoặc không ghi được (the store refused writes)")
            }
            throw storage
        }
    }

    private func runWindows(_ id: Int64, printer: any LabelPrinter, factory: LabelFactory,
                            progress: @Sendable (Progress) -> Void) async throws -> PrintJob {
        var j = try job(id)
        guard j.state == .queued || j.state == .running else { throw PrintJobError.notResumable(id, j.state) }
        try setState(id, .running)
        logger.info("print job running", metadata: ["job": "\(id)", "printer": "\(printer.name)", "printed": "\(j.printed)", "requested": "\(j.requested)"])
        while true {
            // Between windows, let the rest of the station run (the operator's pause, scans, the UI):
            // a fast printer would otherwise keep this task on its thread window after window.
            await Task.yield()
            j = try job(id)
            if j.state != .running { return j }   // paused or cancelled by the operator
            let remaining = j.requested - j.printed
            if remaining <= 0 {
                try setState(id, .completed)
                progress(.completed(printed: j.printed))
                logger.info("print job completed", metadata: ["job": "\(id)", "printed": "\(j.printed)", "voided": "\(j.voided)"])
                return try job(id)
            }
            // 1. The printer's own word before anything is reserved.
            let before = await Self.status(printer)
            guard before.canPrint else { return try pause(id, before) }
            // 2. Reserve the window durably, 3. mark it sent, 4. write.
            var n = min(window, remaining)
            let r: Reservation
            do {
                if let supply = serialSupply {
                    // With the province's blocks, a window may be cut short by the last counters in hand.
                    let available = try await topUp(supply, batchID: j.batchID, window: n, remaining: remaining)
                    if available > 0 { n = min(n, Int(clamping: available)) }
                }
                r = try trace.allocator.reserve(batchID: j.batchID, count: n, purpose: Self.purpose(id))
            } catch let e as AllocationError {
                // Nothing reserved: the job waits for serials (a block from the trace-server), resumable as it stands.
                let reason = "serials: \(e) (hết số sê-ri: kết nối máy chủ tỉnh để nhận thêm khối số)"
                try setState(id, .paused, reason: reason)
                logger.warning("print job paused: no serials left to reserve; connect the station to the trace-server (or `station serials fetch` while online), then resume the job",
                               metadata: ["job": "\(id)", "error": "\(e)"])
                return try job(id)
            }
            let labels = try r.serials.map { try factory.label(serial: $0) }
            try trace.ledger.markSent(r, indices: 0..<n)
            var receipts: [PrintReceipt] = []
            for (i, label) in labels.enumerated() {
                do {
                    receipts.append(try await printer.send(label))
                } catch {
                    // Label i may be partly on paper; the ones before it are unconfirmed; the ones after were never written.
                    try trace.ledger.markUncertain(r, indices: 0..<(i + 1))
                    try trace.ledger.unmarkSent(r, indices: (i + 1)..<n)
                    try trace.ledger.voidUnused(r, reason: "không in: máy in lỗi trước khi gửi (printer failed before sending)")
                    let st = await Self.status(printer)
                    return try pause(id, st.canPrint ? PrinterStatus(condition: .offline, detail: "\(error)") : st)
                }
            }
            // 5. Confirm against the printer after the window.
            let after = await Self.status(printer)
            guard after.canPrint else {
                try trace.ledger.markUncertain(r, indices: 0..<n)
                return try pause(id, after)
            }
            if let verification {
                let (passed, stop) = try await verification.settle(self, job: j, reservation: r, labels: labels, receipts: receipts)
                progress(.window(printed: j.printed + passed, requested: j.requested))
                if let stop { return try pause(id, verification: stop) }
                continue
            }
            try trace.ledger.commission(r, indices: 0..<n, operatorID: j.operatorID)
            progress(.window(printed: j.printed + n, requested: j.requested))
        }
    }

    static func status(_ printer: any LabelPrinter) async -> PrinterStatus {
        do { return try await printer.status() } catch { return PrinterStatus(condition: .offline, detail: "\(error)") }
    }

    /// Asks for serial blocks when this window would not fit in the product's blocks, for the
    /// whole rest of the job if the server can say yes; offline, the job goes on with what it has.
    /// Returns the counters available afterwards.
    func topUp(_ supply: SerialSupply, batchID: Int64, window: Int, remaining: Int) async throws -> UInt64 {
        let batch = try trace.catalog.batch(id: batchID)
        let format = try trace.catalog.product(gtin: batch.gtin).serialFormat
        let available = try trace.allocator.available(gtin: batch.gtin, format: format)
        guard available < UInt64(window) else { return available }
        do {
            try await supply.ensure(gtin: batch.gtin, format: format, count: remaining)
        } catch {
            logger.warning("the trace-server did not grant a serial block: \(error)", metadata: ["gtin": "\(batch.gtin)"])
        }
        return try trace.allocator.available(gtin: batch.gtin, format: format)
    }

    func pause(_ id: Int64, _ status: PrinterStatus) throws -> PrintJob {
        let reason = "\(status.condition.rawValue): \(status.condition.vietnamese)" + (status.detail.isEmpty ? "" : " (\(status.detail))")
        try setState(id, .paused, reason: reason)
        logger.warning("print job paused: printer reports \(status.condition.rawValue) (\(status.condition.vietnamese)); fix the printer, then resume the job (`station job resume \(id)` or Resume on the screen)",
                       metadata: ["job": "\(id)", "printer_state": "\(status.condition.rawValue)", "detail": "\(status.detail)"])
        return try job(id)
    }
}
