import EPCIS
import Foundation
import Logging
import PostgresNIO
import Testing
import Trace
@testable import TraceServer

/// A real station store that records events the way a packing line does, to feed the server.
final class StationFixture: @unchecked Sendable {
    static let gtin = "08938512345017"
    static let lot = "MD250314A"
    let dir: URL
    let store: StationStore
    let ring: StampKeyRing
    let tagger: StampTagger
    let allocator: SerialAllocator
    let catalog: Catalog
    let batch: Batch

    init(ring: StampKeyRing = .generate(), lot: String = StationFixture.lot) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ts-station-\(UUID().uuidString)")
        store = try StationStore(dataDirectory: dir)
        self.ring = ring
        tagger = StampTagger(ring: ring)
        allocator = try SerialAllocator(store: store, keys: ring, prefix: "")
        catalog = Catalog(store: store)
        try catalog.addProduct(Product(gtin: Self.gtin, name: "Miến dong Na Rì", producer: "HTX Nông sản Na Rì", producerGLN: "8938512340005"))
        batch = try catalog.createBatch(gtin: Self.gtin, lot: lot, productionDate: "2025-03-14", expiryDate: "2026-03-13", plannedQuantity: 1_000_000)
    }

    func ledger(station: String = "BK-NARI-01", gln: String = "8938512340005") -> StampLedger {
        StampLedger(store: store, identity: StationIdentity(stationID: station, gln: gln, readPoint: "LINE01", resolver: "https://txng.backan.gov.vn"))
    }

    /// Prints `n` stamps (commissioning events) at `time`.
    func commission(_ n: Int, station: String = "BK-NARI-01", at time: Date = Date()) throws -> (Reservation, [StoredEvent]) {
        let r = try allocator.reserve(batchID: batch.id, count: n, purpose: "test")
        let events = try ledger(station: station).commission(r, indices: 0..<n, at: time)
        return (r, events)
    }

    /// The Digital Link path and query printed on a stamp.
    func stampPath(serial: String, lot: String? = StationFixture.lot, tag: String? = nil) throws -> (path: String, query: String) {
        let t = try tag ?? tagger.tag(gtin14: Self.gtin, serial: serial)
        var path = "/01/\(Self.gtin)"
        if let lot { path += "/10/" + DigitalLinkText.encode(lot) }
        path += "/21/" + DigitalLinkText.encode(serial)
        return (path, "17=260313&92=\(t)")
    }

    static func document(_ events: [StoredEvent]) throws -> Data {
        try EventStore.document(events).jsonData()
    }
}

let testLogger: Logger = {
    var l = Logger(label: "trace-server-test")
    l.logLevel = .warning
    return l
}()

func temporaryDirectory(_ prefix: String) -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// The storage backends under test. PostgreSQL is used only when `Tests/scripts/postgres.sh`
/// has started a server and exported its URL.
enum Backend: String, Sendable, CaseIterable {
    case sqlite, postgres

    static let postgresURL: String? = {
        let v = ProcessInfo.processInfo.environment["TRACE_SERVER_TEST_PG_URL"]
        return (v?.isEmpty ?? true) ? nil : v
    }()
    static let postgresMissing = "TRACE_SERVER_TEST_PG_URL is not set: run `source Tests/scripts/postgres.sh` to start PostgreSQL"

    /// Runs `body` with a fresh, migrated store of this backend (a new database for PostgreSQL).
    func withStorage<T: Sendable>(_ body: (any TraceStorage) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            let s = try SQLiteTraceStorage(dataDirectory: temporaryDirectory("ts-sqlite"))
            try await s.migrate()
            return try await body(s)
        case .postgres:
            let url = try #require(Self.postgresURL)
            let database = try await PostgresTestDatabase.create(adminURL: url)
            do {
                let result = try await PostgresTraceStorage.with(url: database.url, logger: testLogger) { s in
                    try await s.migrate()
                    return try await body(s)
                }
                try await database.drop()
                return result
            } catch {
                try? await database.drop()
                throw error
            }
        }
    }
}

/// A throw-away PostgreSQL database, so tests never see each other's rows.
struct PostgresTestDatabase: Sendable {
    let adminURL: String
    let name: String
    let url: String

    static func create(adminURL: String) async throws -> PostgresTestDatabase {
        let name = "trace_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await execute(adminURL, "CREATE DATABASE \(name)")
        var c = URLComponents(string: adminURL)!
        c.path = "/" + name
        return PostgresTestDatabase(adminURL: adminURL, name: String(name), url: c.string!)
    }

    func drop() async throws {
        try await Self.execute(adminURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    static func execute(_ url: String, _ sql: String) async throws {
        try await PostgresTraceStorage.with(url: url, logger: testLogger) { s in
            _ = try await s.client.query(PostgresQuery(unsafeSQL: sql), logger: testLogger)
        }
    }
}
