import Devices
import Foundation
import GRDB
import Hummingbird
import MetricsExposition
import Station
import Trace

/// `GET /metrics`: the station in the Prometheus text format, open without the operator's
/// credential (like `/health`; it shows counts and states, no codes or keys).
///
/// Every total is read from the station's database at scrape time, so the figures are the
/// durable truth and survive restarts: labels printed by print jobs, reprints, voids, scans per
/// outcome, rejects, print jobs per state, the sync backlog. Printer conditions are asked of the
/// printers themselves, as `/health` does.
enum MetricsRoutes {
    static func add(to router: Router<BasicRequestContext>, core: StationCore) {
        router.get("/metrics") { _, _ -> Response in
            let text = try await StationMetrics.collect(core: core).render()
            return Response(status: .ok, headers: [.contentType: PrometheusText.contentType],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}

enum StationMetrics {
    struct Counts {
        var printed = 0, reprints = 0, events = 0
        var serials: [String: Int] = [:]
        var scans: [String: Int] = [:]
        var verifications: [String: Int] = [:]
        var jobs: [String: Int] = [:]
    }

    static let scanOutcomes = ["accepted", "flagged", "rejected", "duplicate"]
    static let jobStates = ["queued", "running", "paused", "completed", "cancelled"]
    static let verificationOutcomes = ["passed", "no_read", "mismatch"]

    static func counts(_ store: StationStore) throws -> Counts {
        try store.pool.read { db in
            var c = Counts()
            c.printed = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM serial_states s JOIN reservations r ON r.id = s.reservation_id
                WHERE r.purpose LIKE 'job:%' AND s.state = 'commissioned'
                """) ?? 0
            c.reprints = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(reprints), 0) FROM serial_states") ?? 0
            c.events = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0
            func grouped(_ sql: String) throws -> [String: Int] {
                Dictionary(try Row.fetchAll(db, sql: sql).map { ($0[0] as String, $0[1] as Int) }, uniquingKeysWith: +)
            }
            c.serials = try grouped("SELECT state, COUNT(*) FROM serial_states GROUP BY state")
            // scan_log.outcome is "<outcome>" or "<outcome>: <message>".
            c.scans = try grouped("SELECT substr(outcome, 1, instr(outcome || ':', ':') - 1), COUNT(*) FROM scan_log GROUP BY 1")
            c.verifications = try grouped("SELECT outcome, COUNT(*) FROM print_verifications GROUP BY outcome")
            c.jobs = try grouped("SELECT state, COUNT(*) FROM print_jobs GROUP BY state")
            return c
        }
    }

    static func collect(core: StationCore, now: Date = Date()) async throws -> PrometheusText {
        let c = try counts(core.store)
        let sync = try StationProbes.sync(core)
        let printers = await StationProbes.printerConditions(core)
        var m = PrometheusText()
        let station = [("station", core.config.stationID)]

        m.counter("station_labels_printed_total", "Stamps printed by print jobs and confirmed (commissioned).", Double(c.printed), labels: station)
        m.counter("station_reprints_total", "Stamps printed again with the same serial (operator reprints).", Double(c.reprints), labels: station)
        m.counter("station_voids_total", "Serials voided (spoiled, lost, or reserved and never printed).", Double(c.serials["voided"] ?? 0), labels: station)
        for state in SerialState.allCases.map(\.rawValue) {
            m.gauge("station_serials", "Serials of this station by state.", Double(c.serials[state] ?? 0), labels: station + [("state", state)])
        }
        for outcome in scanOutcomes {
            m.counter("station_scans_total", "Scanned codes by outcome.", Double(c.scans[outcome] ?? 0), labels: station + [("outcome", outcome)])
        }
        let failedChecks = c.verifications.filter { $0.key != "passed" }.values.reduce(0, +)
        m.counter("station_rejects_total", "Rejections: scans refused, and printed stamps the inline scanner could not confirm.",
                  Double(c.scans["rejected"] ?? 0), labels: station + [("source", "scan")])
        m.counter("station_rejects_total", "", Double(failedChecks), labels: station + [("source", "print_verification")])
        for outcome in verificationOutcomes {
            m.counter("station_print_verifications_total", "Printed stamps read back by the inline scanner, by outcome.",
                      Double(c.verifications[outcome] ?? 0), labels: station + [("outcome", outcome)])
        }
        for state in jobStates {
            m.gauge("station_print_jobs", "Print jobs by state.", Double(c.jobs[state] ?? 0), labels: station + [("state", state)])
        }
        for p in printers {
            for condition in PrinterCondition.allCases {
                m.gauge("station_printer_condition", "1 for the printer's current condition (asked of the printer), 0 for the others.",
                        p.condition == condition ? 1 : 0, labels: station + [("printer", p.name), ("condition", condition.rawValue)])
            }
        }
        m.gauge("station_sync_configured", "1 when server.url is set (the station syncs), 0 when it works offline.",
                core.config.serverURL.isEmpty ? 0 : 1, labels: station)
        m.gauge("station_sync_backlog_events", "Events recorded but not yet confirmed by the trace-server.", Double(sync.backlog), labels: station)
        m.gauge("station_scans_held", "Scans received while the store refused writes (disk full, read-only), held in memory until recorded.",
                Double(core.heldScanCount), labels: station)
        if let last = StationProbes.lastSuccess(sync) {
            m.gauge("station_sync_last_success_age_seconds", "Seconds since the trace-server last confirmed events (absent: never).",
                    max(0, now.timeIntervalSince(last).rounded()), labels: station)
        }
        m.gauge("station_sync_last_contact_failed", "1 when the latest attempt to reach the trace-server failed.",
                StationProbes.lastContactFailed(sync) ? 1 : 0, labels: station)
        m.gauge("station_uptime_seconds", "Seconds since the daemon started.", now.timeIntervalSince(core.startedAt).rounded(), labels: station)
        m.gauge("station_events", "EPCIS events in the local store.", Double(c.events), labels: station)
        m.gauge("station_store_size_bytes", "Size of the station database with its write-ahead log.", Double(storeSize(core.store.path)), labels: station)
        if let free = StationProbes.freeBytes(core.config.dataDirectory) {
            m.gauge("station_disk_free_bytes", "Free space on the disk holding the data directory.", Double(free), labels: station)
        }
        return m
    }

    static func storeSize(_ path: String) -> Int64 {
        ["", "-wal", "-shm"].reduce(Int64(0)) { sum, suffix in
            sum + ((try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }
}
