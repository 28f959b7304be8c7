import EPCIS
import Foundation
import GRDB
import Logging
import PostgresNIO
import ServiceLifecycle
import Sync
import Trace
import TraceServer

/// `sync`: a station's backlog of commissioning events synced to a trace-server on loopback, on
/// SQLite and (when `TRACE_SERVER_BENCH_PG_URL` or `TRACE_SERVER_TEST_PG_URL` names a PostgreSQL
/// server whose user may create databases) on PostgreSQL. Target: ≥ 10,000 events/s.
/// Baseline, same run: one event per request, as a naive client would sync.
struct SyncBench {
    let scale: Double

    func run() async throws {
        let n = max(2_000, Int(100_000 * scale))
        let naiveCount = max(200, n / 50)
        print("## sync: \(n) events from a station store to a trace-server on 127.0.0.1\n")
        print("| storage | batch | events | seconds | events/s |")
        print("|---|---|---|---|---|")
        let station = try BenchStation(events: n)
        for kind in BenchServer.kinds() {
            let server = try await BenchServer.start(kind)
            let token = try await server.core.registerStation(id: station.stationID, name: "bench", gln: "8938512340005")
            let outbox = try station.freshOutbox()
            var c = SyncConfiguration(serverURL: server.url, tokenFile: try station.writeToken(token))
            c.batchSize = 500
            let engine = try SyncEngine(outbox: outbox, configuration: c, logger: benchLogger)
            var pass: SyncEngine.Pass?
            let seconds = await measureAsync { pass = await engine.pass() }
            guard let pass, pass.error == nil, pass.backlog == 0, pass.confirmed == n else {
                throw BenchFailure("sync did not finish: \(String(describing: pass))")
            }
            let stored = try await server.core.storage.events(EventQuery(stationID: station.stationID, limit: n + 1)).count
            guard stored == n else { throw BenchFailure("server holds \(stored) events, expected \(n)") }
            print("| \(kind) | 500 | \(n) | \(fmt(seconds, 2)) | **\(fmt(Double(n) / seconds))** |")

            // Baseline: the first events again, one per request, into a fresh station log on the same server.
            let naive = try BenchStation(events: naiveCount, stationID: "NAIVE-\(kind)")
            let naiveToken = try await server.core.registerStation(id: naive.stationID, name: "naive", gln: "8938512340005")
            var nc = SyncConfiguration(serverURL: server.url, tokenFile: try naive.writeToken(naiveToken))
            nc.batchSize = 1
            let naiveEngine = try SyncEngine(outbox: try naive.freshOutbox(), configuration: nc, logger: benchLogger)
            let naiveSeconds = await measureAsync { _ = await naiveEngine.pass() }
            print("| \(kind), baseline | 1 | \(naiveCount) | \(fmt(naiveSeconds, 2)) | \(fmt(Double(naiveCount) / naiveSeconds)) |")
            await server.stop()
        }
        print()
    }
}

/// `verify`: `GET /01/{gtin}/10/{lot}/21/{serial}?17=…&92=…` (JSON) under load from `wrk`
/// (Debian package `wrk`), rotating over 1,000 genuine stamps; the server runs on SQLite with the
/// key ring. Target: ≥ 2,000 requests/s with p99 ≤ 20 ms. Baseline, same run: `GET /health`,
/// the framework's own ceiling on this machine. Load generator and server share the machine.
struct VerifyBench {
    let scale: Double

    func run() async throws {
        guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            print("## verify: skipped, `wrk` is not installed (apt-get install wrk)\n")
            return
        }
        let duration = max(3, Int(15 * scale))
        let station = try BenchStation(events: 1000)
        let server = try await BenchServer.start("sqlite", keyRing: station.ring)
        let token = try await server.core.registerStation(id: station.stationID, name: "bench", gln: "8938512340005")
        var c = SyncConfiguration(serverURL: server.url, tokenFile: try station.writeToken(token))
        c.batchSize = 500
        let pass = await (try SyncEngine(outbox: try station.freshOutbox(), configuration: c, logger: benchLogger)).pass()
        guard pass.backlog == 0 else { throw BenchFailure("could not load stamps into the server: \(String(describing: pass.error))") }
        try await server.core.storage.putProduct(ProductRecord(gtin: station.gtin, name: "Miến dong Na Rì", producer: "HTX Na Rì",
                                                               producerAddress: "Na Rì, Bắc Kạn", producerGLN: "8938512340005"))
        let paths = try station.stampPaths()
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID().uuidString).lua")
        let list = paths.map { "\"\($0)\"" }.joined(separator: ",\n")
        try Data("""
            local paths = {\(list)}
            local i = 0
            request = function()
              i = i % #paths + 1
              return wrk.format("GET", paths[i], {["Accept"] = "application/json"})
            end
            """.utf8).write(to: script)
        print("## verify: \(duration) s of `wrk -t2 -c32` per row, \(paths.count) distinct genuine stamps\n")
        print("| endpoint | requests/s | p50 ms | p99 ms | non-2xx |")
        print("|---|---|---|---|---|")
        for (name, args) in [("GET /01/…/21/… (verify, JSON)", ["-s", script.path]), ("GET /health (baseline)", [])] {
            let out = try runWrk(wrk, args + ["-t2", "-c32", "-d\(duration)s", "--latency", server.url + (args.isEmpty ? "/health" : "/")])
            let r = WrkResult(out)
            print("| \(name) | **\(fmt(r.requestsPerSecond))** | \(fmt(r.p50, 2)) | **\(fmt(r.p99, 2))** | \(r.non2xx) |")
        }
        print()
        await server.stop()
    }

    func runWrk(_ wrk: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: wrk)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// The parts of `wrk --latency` output the table needs.
struct WrkResult {
    var requestsPerSecond = 0.0
    var p50 = Double.nan
    var p99 = Double.nan
    var non2xx = 0

    init(_ text: String) {
        func ms(_ v: Substring) -> Double {
            let s = String(v)
            if s.hasSuffix("us") { return (Double(s.dropLast(2)) ?? .nan) / 1000 }
            if s.hasSuffix("ms") { return Double(s.dropLast(2)) ?? .nan }
            if s.hasSuffix("s") { return (Double(s.dropLast()) ?? .nan) * 1000 }
            return .nan
        }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if f.first == "Requests/sec:", f.count > 1 { requestsPerSecond = Double(f[1]) ?? 0 }
            if f.first == "50%", f.count > 1 { p50 = ms(f[1]) }
            if f.first == "99%", f.count > 1 { p99 = ms(f[1]) }
            if line.contains("Non-2xx or 3xx responses:"), let last = f.last { non2xx = Int(last) ?? 0 }
        }
    }
}

let benchLogger: Logger = {
    var l = Logger(label: "bench")
    l.logLevel = .error
    return l
}()

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

func measureAsync(_ body: () async throws -> Void) async rethrows -> Double {
    let t = DispatchTime.now().uptimeNanoseconds
    try await body()
    return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
}

/// A station store holding `events` commissioning events of one batch.
final class BenchStation: @unchecked Sendable {
    let stationID: String
    let gtin = "08938512345017"
    let store: StationStore
    let ring = StampKeyRing.generate()
    let ledger: StampLedger
    let dir: URL
    private(set) var serials: [String] = []

    init(events: Int, stationID: String = "BENCH-01") throws {
        self.stationID = stationID
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-sync-\(UUID().uuidString)")
        store = try StationStore(dataDirectory: dir)
        let catalog = Catalog(store: store)
        try catalog.addProduct(Product(gtin: gtin, name: "Miến dong Na Rì", producer: "HTX", producerGLN: "8938512340005"))
        let batch = try catalog.createBatch(gtin: gtin, lot: "BENCH", productionDate: "2025-03-14", expiryDate: "2026-03-13", plannedQuantity: 10_000_000)
        let allocator = try SerialAllocator(store: store, keys: ring, prefix: "")
        ledger = StampLedger(store: store, identity: StationIdentity(stationID: stationID, gln: "8938512340005", readPoint: "LINE01",
                                                                     resolver: "https://txng.backan.gov.vn"))
        var left = events
        while left > 0 {
            let k = min(left, 10_000)
            let r = try allocator.reserve(batchID: batch.id, count: k, purpose: "bench")
            try ledger.commission(r, indices: 0..<k)
            serials += r.serials
            left -= k
        }
    }

    /// An outbox whose cursor starts at 0 (the sync bookkeeping of an earlier run is removed).
    func freshOutbox() throws -> SyncOutbox {
        try store.pool.write { db in try db.execute(sql: "DELETE FROM meta WHERE key LIKE 'sync.%'") }
        return SyncOutbox(store: store, events: ledger.events)
    }

    func writeToken(_ token: String) throws -> String {
        let path = dir.appendingPathComponent("server.token").path
        guard FileManager.default.createFile(atPath: path, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw BenchFailure("cannot write \(path)")
        }
        return path
    }

    /// Digital Link paths (with expiry and tag) of every stamp.
    func stampPaths() throws -> [String] {
        let tagger = StampTagger(ring: ring)
        return try serials.map { s in
            "/01/\(gtin)/10/BENCH/21/\(s)?17=260313&92=\(try tagger.tag(gtin14: gtin, serial: s))"
        }
    }
}

/// A trace-server in this process on a loopback port.
final class BenchServer: @unchecked Sendable {
    let core: TraceServerCore
    let url: String
    private let group: ServiceGroup
    private let task: Task<Void, Error>
    private let dropDatabase: (@Sendable () async -> Void)?

    static var postgresAdminURL: String? {
        let env = ProcessInfo.processInfo.environment
        return [env["TRACE_SERVER_BENCH_PG_URL"], env["TRACE_SERVER_TEST_PG_URL"]].compactMap { $0 }.first { !$0.isEmpty }
    }

    static func kinds() -> [String] { postgresAdminURL == nil ? ["sqlite"] : ["sqlite", "postgres"] }

    private init(core: TraceServerCore, url: String, group: ServiceGroup, task: Task<Void, Error>, dropDatabase: (@Sendable () async -> Void)?) {
        self.core = core; self.url = url; self.group = group; self.task = task; self.dropDatabase = dropDatabase
    }

    static func start(_ kind: String, keyRing: StampKeyRing? = nil) async throws -> BenchServer {
        var config = ServerConfiguration()
        config.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-server-\(UUID().uuidString)")
        config.port = 0
        let storage: any TraceStorage
        var drop: (@Sendable () async -> Void)?
        if kind == "postgres", let admin = postgresAdminURL {
            let name = "bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
            try await execute(admin, "CREATE DATABASE \(name)")
            var c = URLComponents(string: admin)!
            c.path = "/" + name
            storage = try PostgresTraceStorage(url: c.string!, logger: benchLogger)
            drop = { try? await execute(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        } else {
            storage = try SQLiteTraceStorage(dataDirectory: config.dataDirectory)
        }
        let core = TraceServerCore(storage: storage, keyRing: keyRing, logger: benchLogger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try TraceServerApp.make(core: core, configuration: config, logger: benchLogger) { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: benchLogger))
        let task = Task { try await group.run() }
        var it = ports.makeAsyncIterator()
        guard let port = await it.next() else { throw BenchFailure("trace-server did not start") }
        return BenchServer(core: core, url: "http://127.0.0.1:\(port)", group: group, task: task, dropDatabase: drop)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        await dropDatabase?()
    }

    /// Runs one statement (CREATE/DROP DATABASE) on the administrative connection.
    static func execute(_ url: String, _ sql: String) async throws {
        let u = try PostgresURL(url)
        let client = PostgresClient(configuration: .init(host: u.host, port: u.port, username: u.username, password: u.password,
                                                         database: u.database, tls: .disable))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            _ = try await client.query(PostgresQuery(unsafeSQL: sql))
        }
    }
}
