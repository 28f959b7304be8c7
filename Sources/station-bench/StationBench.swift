import ArgumentParser
import EPCIS
import Foundation
import GRDB
import Station
import Trace

/// Release-build benchmarks: `swift run -c release station-bench [area...]`.
/// Prints a markdown table per area with our figures beside a baseline measured in the same run.
@main
struct StationBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "station-bench",
        abstract: "Measure the station's hot paths and print markdown tables (use a release build).")

    @Option(help: "Scale factor: 1 = the issue targets; smaller for a smoke run.") var scale: Double = 1
    @Argument(help: "Areas to run: serials, events, labels, decode, printers, usb, sync, verify, scanners, memory (default: all).") var areas: [String] = []

    func run() async throws {
        let all = ["serials", "events", "labels", "decode", "printers", "usb", "sync", "verify", "scanners", "memory"]
        // Run by the USB harness inside its umockdev testbed: the measurement alone, no tables.
        if areas == ["usb-target"] { return try await USBBench.target() }
        let chosen = areas.isEmpty ? all : areas
        // The station's own log lines (a scan accepted, a job paused) would drown the tables.
        StationLogHandler.bootstrap(level: "error", format: "text")
        print("# station-bench  (\(hostDescription()))\n")
        for a in chosen {
            switch a {
            case "serials": try SerialBench(scale: scale).run()
            case "events": try await EventBench(scale: scale).run()
            case "labels": try LabelBench(scale: scale).run()
            case "memory": try MemoryBench(scale: scale).run()
            case "decode": try DecodeBench(scale: scale).run()
            case "printers": try await runPrinterBench(scale: scale)
            case "usb": try USBBench().run()
            case "sync": try await SyncBench(scale: scale).run()
            case "verify": try await VerifyBench(scale: scale).run()
            case "scanners": try await ScannerBench(scale: scale).run()
            default: throw ValidationError("unknown area \(a); known: \(all.joined(separator: ", "))")
            }
        }
    }
}

func hostDescription() -> String {
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    #if DEBUG
    let build = "DEBUG build: figures are not representative"
    #else
    let build = "release build"
    #endif
    return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu), \(build)"
}

func measure(_ body: () throws -> Void) rethrows -> Double {
    let t = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func scratchStore() throws -> StationStore {
    try StationStore(dataDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)"))
}

func sampleBatch(_ store: StationStore, format: SerialFormat = .random) throws -> Batch {
    let c = Catalog(store: store)
    try c.addProduct(Product(gtin: "08938512345017", name: "Miến dong Na Rì", producer: "HTX", producerGLN: "8938512340005", serialFormat: format))
    return try c.createBatch(gtin: "08938512345017", lot: "BENCH", productionDate: "2025-03-14", expiryDate: "2026-03-13", plannedQuantity: 10_000_000)
}

func fmt(_ x: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", x) }

struct SerialBench {
    let scale: Double
    func run() throws {
        let n = max(1000, Int(1_000_000 * scale))
        let store = try scratchStore()
        let batch = try sampleBatch(store)
        let alloc = try SerialAllocator(store: store, keys: .generate(), prefix: "")
        var serials: [String] = []
        let ours = try measure {
            let r = try alloc.reserve(batchID: batch.id, count: n, purpose: "bench")
            serials = r.serials
        }
        precondition(Set(serials).count == n, "duplicate serials in the benchmark")

        // Baseline: what a row-per-serial design does — generate random serials and insert each
        // into a UNIQUE column in one transaction (the uniqueness check is the index).
        let base = try scratchStore()
        let baseN = max(1000, n / 4)
        let baseline = try measure {
            try base.pool.write { db in
                try db.execute(sql: "CREATE TABLE s(serial TEXT PRIMARY KEY) WITHOUT ROWID")
                let st = try db.makeStatement(sql: "INSERT INTO s(serial) VALUES (?)")
                var g = SystemRandomNumberGenerator()
                for _ in 0..<baseN {
                    let s = String((0..<10).map { _ in SerialAlphabet.characters[Int.random(in: 0..<32, using: &g)] })
                    try st.execute(arguments: [s])
                }
            }
        }
        print("## serials: reservation\n")
        print("| what | serials | seconds | serials/s | vs baseline |\n|---|---:|---:|---:|---:|")
        print("| station: reserve durably + derive random serials | \(n) | \(fmt(ours, 3)) | \(fmt(Double(n) / ours)) | \(fmt((Double(n) / ours) / (Double(baseN) / baseline), 1))× |")
        print("| baseline: random serial + INSERT into a UNIQUE index, one transaction | \(baseN) | \(fmt(baseline, 3)) | \(fmt(Double(baseN) / baseline)) | 1.0× |")
        print("\ntarget: 1,000,000 reserved in ≤ 2 s → \(n >= 1_000_000 ? (ours <= 2 ? "met" : "NOT met") : "not run at full size") (\(fmt(ours * 1_000_000 / Double(n), 3)) s per million)\n")
    }
}

struct EventBench {
    let scale: Double
    let identity = StationIdentity(stationID: "BENCH-01", gln: "8938512340005", readPoint: "LINE01", resolver: "https://txng.backan.gov.vn")

    func event(_ i: Int) -> EPCISEvent {
        .object(ObjectEvent(eventTime: Date(), epcList: ["https://id.gs1.org/01/08938512345017/21/B\(i)"], action: .observe,
                            bizStep: .inspecting, disposition: .conformant, readPoint: identity.readPointURI,
                            bizLocation: identity.bizLocationURI, station: StationFields(stationID: identity.stationID)))
    }

    func run() async throws {
        let n = max(2000, Int(100_000 * scale))
        // Throughput: many producers, group commit, every event durable when its call returns.
        let store = try scratchStore()
        let recorder = EventRecorder(store: EventStore(store: store, stationID: identity.stationID))
        let producers = 256
        let t0 = DispatchTime.now().uptimeNanoseconds
        try await withThrowingTaskGroup(of: Void.self) { group in
            for p in 0..<producers {
                group.addTask {
                    var i = p
                    while i < n { _ = try await recorder.record(event(i)); i += producers }
                }
            }
            try await group.waitForAll()
        }
        let grouped = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9

        // Latency: one producer, one event at a time, each awaited (a scanner at a quiet door).
        let latStore = try scratchStore()
        let latRecorder = EventRecorder(store: EventStore(store: latStore, stationID: identity.stationID))
        var lat: [Double] = []
        for i in 0..<max(200, Int(2000 * scale)) {
            let t = DispatchTime.now().uptimeNanoseconds
            _ = try await latRecorder.record(event(i))
            lat.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6)
        }
        lat.sort()

        // Baseline: the same JSON bytes, one INSERT + durable commit per event (no grouping, no chain).
        let base = try scratchStore()
        let bodies = (0..<max(500, n / 20)).map { event($0).withHashEventID().jsonData() }
        let baseline = try measure {
            try base.pool.write { try $0.execute(sql: "CREATE TABLE e(id INTEGER PRIMARY KEY, body BLOB)") }
            for b in bodies { try base.pool.write { try $0.execute(sql: "INSERT INTO e(body) VALUES (?)", arguments: [b]) } }
        }
        // Print-job path: a window of labels commissioned in one transaction (hash + encode before the lock).
        let winStore = try scratchStore()
        let winEvents = EventStore(store: winStore, stationID: identity.stationID)
        let window = 50
        let windowed = try measure {
            var i = 0
            while i < n {
                let prepared = (i..<min(n, i + window)).map { EventStore.Prepared(event($0)) }
                _ = try winStore.pool.write { db in try winEvents.append(prepared: prepared, in: db) }
                i += window
            }
        }
        let count = try EventStore(store: store, stationID: "").count()
        precondition(count == n, "not every event was stored")
        let chainIntact = try EventStore(store: store, stationID: "").verifyChain().isIntact
        precondition(chainIntact, "the chain of the benchmark store does not verify")
        print("## events: recording (synchronous=FULL: durable when the call returns)\n")
        print("| what | events | seconds | events/s |\n|---|---:|---:|---:|")
        print("| station: \(producers) concurrent producers, group commit, hashed + chained | \(n) | \(fmt(grouped, 3)) | \(fmt(Double(n) / grouped)) |")
        print("| station: print windows of \(window) events per durable transaction | \(n) | \(fmt(windowed, 3)) | \(fmt(Double(n) / windowed)) |")
        print("| baseline: one INSERT + commit per event (no hash, no chain) | \(bodies.count) | \(fmt(baseline, 3)) | \(fmt(Double(bodies.count) / baseline)) |")
        print("\n| single-event commit latency | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|")
        print("| station: one producer, each event awaited (\(lat.count) events) | \(fmt(percentile(lat, 0.5), 2)) | \(fmt(percentile(lat, 0.99), 2)) | \(fmt(lat.last ?? 0, 2)) |")
        let best = max(Double(n) / grouped, Double(n) / windowed)
        print("\ntargets: ≥ 20,000 events/s → \(best >= 20_000 ? "met" : "NOT met") (best path \(fmt(best)) events/s); p99 ≤ 5 ms → \(percentile(lat, 0.99) <= 5 ? "met" : "NOT met")\n")
    }
}
