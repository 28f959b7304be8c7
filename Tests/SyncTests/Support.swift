import EPCIS
import Foundation
import GRDB
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle
import Testing
import Trace
@testable import TraceServer

let quietLogger: Logger = {
    var l = Logger(label: "sync-test")
    l.logLevel = .critical
    return l
}()

func scratchDirectory(_ prefix: String) -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// A station store with a product, a batch and a way to record many commissioning events.
final class StationData: @unchecked Sendable {
    static let gtin = "08938512345017"
    let dir: URL
    let store: StationStore
    let ledger: StampLedger
    let allocator: SerialAllocator
    let batch: Batch

    init(stationID: String = "BK-NARI-01") throws {
        dir = scratchDirectory("sync-station")
        store = try StationStore(dataDirectory: dir)
        let ring = StampKeyRing.generate()
        allocator = try SerialAllocator(store: store, keys: ring, prefix: "")
        let catalog = Catalog(store: store)
        try catalog.addProduct(Product(gtin: Self.gtin, name: "Miến dong Na Rì", producer: "HTX Na Rì", producerGLN: "8938512340005"))
        batch = try catalog.createBatch(gtin: Self.gtin, lot: "MD250314A", productionDate: "2025-03-14", expiryDate: "2026-03-13", plannedQuantity: 10_000_000)
        ledger = StampLedger(store: store, identity: StationIdentity(stationID: stationID, gln: "8938512340005", readPoint: "LINE01",
                                                                     resolver: "https://txng.backan.gov.vn"))
    }

    @discardableResult
    func commission(_ n: Int) throws -> [StoredEvent] {
        var out: [StoredEvent] = []
        var left = n
        while left > 0 {
            let k = min(left, 5000)
            let r = try allocator.reserve(batchID: batch.id, count: k, purpose: "test")
            out += try ledger.commission(r, indices: 0..<k)
            left -= k
        }
        return out
    }

    func eventIDs() throws -> [String] {
        try store.pool.read { try String.fetchAll($0, sql: "SELECT event_id FROM events ORDER BY seq") }
    }

    /// A token file with mode 0600.
    func writeToken(_ token: String) throws -> String {
        let path = dir.appendingPathComponent("server.token").path
        _ = FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
        return path
    }
}

/// A trace-server running in this process on a loopback port, on SQLite or PostgreSQL.
final class InProcessServer: @unchecked Sendable {
    let core: TraceServerCore
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, Error>
    private let database: ThrowawayDatabase?

    private let scheme: String
    var url: String { "\(scheme)://127.0.0.1:\(port)" }
    var storage: any TraceStorage { core.storage }

    /// Starts a server on a fresh store; the server runs the store's services (PostgreSQL's pool)
    /// and migrates it, exactly as the `trace-server` executable does.
    init(_ kind: StorageKind, maxBodySize: Int = 8 * 1024 * 1024, faultPlan: FaultPlan? = nil,
         tls: (certificate: String, key: String)? = nil) async throws {
        let storage: any TraceStorage
        switch kind {
        case .sqlite:
            storage = try SQLiteTraceStorage(dataDirectory: scratchDirectory("sync-sqlite"))
            database = nil
        case .postgres:
            let db = try await ThrowawayDatabase.create()
            storage = try PostgresTraceStorage(url: db.url, logger: quietLogger)
            database = db
        }
        core = TraceServerCore(storage: storage, keyRing: nil, logger: quietLogger)
        scheme = tls == nil ? "http" : "https"
        var c = ServerConfiguration()
        c.dataDirectory = scratchDirectory("sync-server")
        c.port = 0
        c.maxBodySize = maxBodySize
        c.tlsCertificate = tls?.certificate
        c.tlsKey = tls?.key
        if let faultPlan {
            let file = c.dataDirectory.appendingPathComponent("plan.json")
            try JSONEncoder().encode(faultPlan).write(to: file)
            c.faultPlan = file.path
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try TraceServerApp.make(core: core, configuration: c, logger: quietLogger) { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: quietLogger))
        self.group = group
        task = Task { try await group.run() }
        var it = stream.makeAsyncIterator()
        guard let p = await it.next() else { throw TestFailure("server did not start") }
        port = p
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        try? await database?.drop()
    }

    func register(_ id: String) async throws -> String {
        try await core.registerStation(id: id, name: "Trạm \(id)", gln: "8938512340005")
    }

    /// Every event ID the server stores for `station`, with repetitions if any were stored twice.
    func storedEventIDs(station: String) async throws -> [String] {
        try await core.storage.events(EventQuery(stationID: station, limit: 1_000_000)).filter { !$0.isCorrection }.map(\.eventID)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// The storage backends, as in the server's own tests; PostgreSQL only when the suite started one.
enum StorageKind: String, Sendable {
    case sqlite, postgres

    static let postgresURL: String? = {
        let v = ProcessInfo.processInfo.environment["TRACE_SERVER_TEST_PG_URL"]
        return (v?.isEmpty ?? true) ? nil : v
    }()
    static let postgresMissing = "TRACE_SERVER_TEST_PG_URL is not set: run `source Tests/scripts/postgres.sh` to start PostgreSQL"
}

/// A fresh PostgreSQL database on the test server, dropped afterwards.
struct ThrowawayDatabase: Sendable {
    let admin: String
    let name: String
    let url: String

    static func create() async throws -> ThrowawayDatabase {
        let admin = try #require(StorageKind.postgresURL)
        let name = "sync_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await execute(admin, "CREATE DATABASE \(name)")
        var c = URLComponents(string: admin)!
        c.path = "/" + name
        return ThrowawayDatabase(admin: admin, name: String(name), url: c.string!)
    }

    func drop() async throws { try await Self.execute(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }

    static func execute(_ url: String, _ sql: String) async throws {
        try await PostgresTraceStorage.with(url: url, logger: quietLogger) { s in
            _ = try await s.client.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger)
        }
    }
}
