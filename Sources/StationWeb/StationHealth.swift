import Devices
import Foundation
import Hummingbird
import Station
import Sync
import Trace

/// What `/health` and `/metrics` look at: the printers' true status, the sync outbox, the disk.
enum StationProbes {
    /// Below this much free space on the data directory's disk the station stops being usable:
    /// SQLite needs room for its write-ahead log before it can record anything.
    static let minimumFreeBytes: Int64 = 64 << 20

    /// Each printer's condition, asked of the printer itself (in parallel); a printer that does
    /// not answer within `timeout` seconds or cannot be reached counts as not responding / offline.
    static func printerConditions(_ core: StationCore, timeout: Double = 3) async -> [(name: String, condition: PrinterCondition)] {
        await withTaskGroup(of: (String, PrinterCondition).self) { group in
            for (name, printer) in core.printers {
                group.addTask {
                    await withTaskGroup(of: PrinterCondition?.self) { race in
                        race.addTask { do { return try await printer.status().condition } catch { return .offline } }
                        race.addTask { try? await Task.sleep(for: .seconds(timeout)); return nil }
                        let first = await race.next() ?? nil
                        race.cancelAll()
                        return (name, first ?? .notResponding)
                    }
                }
            }
            var out: [(name: String, condition: PrinterCondition)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.name < $1.name }
        }
    }

    /// The outbox as `station sync status` reports it.
    static func sync(_ core: StationCore) throws -> SyncStatus {
        try SyncOutbox(store: core.store, events: core.trace.ledger.events).status()
    }

    /// When the last successful sync happened, or nil if never.
    static func lastSuccess(_ s: SyncStatus) -> Date? { s.lastSuccess.flatMap(parseTime) }

    /// True when the latest contact with the server failed (a failure recorded after the last success).
    static func lastContactFailed(_ s: SyncStatus) -> Bool {
        guard let e = s.lastError, let failed = parseTime(String(e.prefix { $0 != " " })) else { return false }
        guard let ok = lastSuccess(s) else { return true }
        return failed > ok
    }

    static func parseTime(_ s: String) -> Date? {
        (try? Date(s, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) ?? (try? Date(s, strategy: .iso8601))
    }

    /// Free bytes on the disk holding `url`, or nil when the system cannot say.
    static func freeBytes(_ url: URL) -> Int64? {
        (try? FileManager.default.attributesOfFileSystem(forPath: url.path)[.systemFreeSize] as? NSNumber)?.int64Value
    }

    /// Nil when the database file and its directory accept writes, else why not.
    static func storeProblem(_ core: StationCore) -> String? {
        let fm = FileManager.default
        let dir = core.config.dataDirectory.path
        guard fm.isWritableFile(atPath: dir) else { return "thư mục dữ liệu \(dir) không ghi được (read-only or wrong owner)" }
        guard fm.isWritableFile(atPath: core.store.path) else { return "cơ sở dữ liệu \(core.store.path) không ghi được (read-only)" }
        return nil
    }
}

/// `GET /health`: 200 with `status` `ok` (or `degraded`: printing or sync has a problem, the rest
/// works) when the station is usable, 503 with `status` `fail` and the reasons when it is not
/// (store not writable, disk full, no printer ready).
struct HealthResponse: Codable {
    struct Printer: Codable { let name: String; let condition: String; let text: String }
    struct Sync: Codable { let configured: Bool; let reachable: Bool?; let backlog: Int64; let lastSuccess: String?; let lastError: String? }
    let status: String
    let station: String
    let uptimeSeconds: Int
    let reasons: [String]
    let storeWritable: Bool
    /// Scans received while the store refused writes, not yet recorded.
    let heldScans: Int
    let diskFreeBytes: Int64?
    let printers: [Printer]
    let sync: Sync?

    static func response(core: StationCore) async throws -> Response {
        var failures: [String] = [], warnings: [String] = []
        let storeProblem = StationProbes.storeProblem(core)
        if let storeProblem { failures.append(storeProblem) }
        let free = StationProbes.freeBytes(core.config.dataDirectory)
        if let free, free < StationProbes.minimumFreeBytes {
            failures.append("ổ đĩa gần đầy: còn \(free >> 20) MB (disk almost full: free space)")
        }
        if let problem = EventClockGuard.problem(newestEvent: try? core.trace.ledger.events.newestEventTime()) {
            warnings.append(problem)
        } else if let back = core.trace.ledger.events.lastClockSetBack, Date().timeIntervalSince(back.noticedAt) < 3600 {
            warnings.append("đồng hồ bị lùi \(Int(back.seconds.rounded())) giây lúc \(back.noticedAt.formatted(.iso8601)) (the clock was set back; events kept their order)")
        }
        let held = core.retryHeldScans()
        if held > 0 { failures.append("\(held) lần quét chưa ghi được vào đĩa, đang giữ trong bộ nhớ (\(held) scans held in memory: the store refuses writes)") }
        let printers = await StationProbes.printerConditions(core)
        for p in printers where p.condition != .ready { warnings.append("máy in \(p.name): \(p.condition.vietnamese)") }
        if !printers.isEmpty, !printers.contains(where: { $0.condition == .ready }) { failures.append("không máy in nào sẵn sàng (no printer ready)") }
        var sync: Sync?
        do {
            let s = try StationProbes.sync(core)
            let configured = !core.config.serverURL.isEmpty
            let reachable: Bool? = configured && s.lastAttempt != nil ? !StationProbes.lastContactFailed(s) : nil
            if reachable == false { warnings.append("không kết nối được máy chủ truy xuất; \(s.backlog) sự kiện chờ gửi") }
            sync = Sync(configured: configured, reachable: reachable, backlog: s.backlog, lastSuccess: s.lastSuccess, lastError: s.lastError)
        } catch {
            failures.append("không đọc được cơ sở dữ liệu: \(error)")
        }
        let body = HealthResponse(
            status: failures.isEmpty ? (warnings.isEmpty ? "ok" : "degraded") : "fail",
            station: core.config.stationID, uptimeSeconds: Int(Date().timeIntervalSince(core.startedAt)),
            reasons: failures + warnings, storeWritable: storeProblem == nil, heldScans: held, diskFreeBytes: free,
            printers: printers.map { Printer(name: $0.name, condition: $0.condition.rawValue, text: $0.condition.vietnamese) },
            sync: sync)
        return try APIAnswer.json(body, status: failures.isEmpty ? .ok : .serviceUnavailable)
    }
}
