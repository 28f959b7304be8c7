import Foundation
import GRDB
import ServiceLifecycle
import Trace

/// The trace-server's store in one SQLite file (WAL, `synchronous=FULL`): a capture that was
/// answered is on disk, whatever happens to the process afterwards.
public final class SQLiteTraceStorage: TraceStorage {
    /// The database file.
    public let path: String
    let pool: DatabasePool

    /// SQLite needs no background work.
    public var services: [any Service] { [] }

    /// Opens (creating if needed) `<dataDirectory>/trace-server.sqlite`.
    public init(dataDirectory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw TraceServerError.storageUnavailable("cannot create \(dataDirectory.path): \(error.localizedDescription)")
        }
        path = dataDirectory.appendingPathComponent("trace-server.sqlite").path
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw TraceServerError.storageUnavailable("cannot open \(path): \(error)")
        }
    }

    /// Runs a short read on the calling task. A point query takes microseconds, far less than
    /// hopping to GRDB's reader queue and back (about 100 µs here), which dominated the verify
    /// endpoint; long reads (queries, exports) still use the asynchronous `read`.
    func readNow<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    public func migrate() async throws {
        do { try Self.migrator.migrate(pool) } catch {
            throw TraceServerError.storageUnavailable("cannot migrate \(path): \(error)")
        }
    }

    /// Schema versions; a released migration is never edited, only followed by a new one.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-stations") { db in
            try db.create(table: "stations") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("gln", .text).notNull()
                t.column("token_hash", .text).notNull()
                t.column("registered_at", .text).notNull()
            }
        }
        m.registerMigration("v2-capture") { db in
            try db.execute(sql: """
                ALTER TABLE stations ADD COLUMN contiguous_seq INTEGER NOT NULL DEFAULT 0;
                CREATE UNIQUE INDEX stations_by_token ON stations(token_hash);
                CREATE TABLE admins (
                  name TEXT PRIMARY KEY NOT NULL,
                  token_hash TEXT NOT NULL UNIQUE,
                  created_at TEXT NOT NULL);
                -- One row per stored event; dedup_key makes capture idempotent (an error declaration
                -- reuses its event's ID, so its key adds the declaration time).
                CREATE TABLE events (
                  id INTEGER PRIMARY KEY,
                  dedup_key TEXT NOT NULL UNIQUE,
                  event_id TEXT NOT NULL,
                  is_correction INTEGER NOT NULL,
                  event_type TEXT NOT NULL,
                  biz_step TEXT,
                  event_time_ms INTEGER NOT NULL,
                  station_id TEXT,
                  station_seq INTEGER,
                  lot TEXT,
                  biz_location TEXT,
                  body BLOB NOT NULL,
                  received_at TEXT NOT NULL);
                CREATE INDEX events_by_time ON events(event_time_ms);
                CREATE INDEX events_by_lot ON events(lot, event_time_ms) WHERE lot IS NOT NULL;
                CREATE INDEX events_by_station ON events(station_id, event_time_ms);
                CREATE TABLE event_epcs (
                  epc TEXT NOT NULL,
                  event INTEGER NOT NULL REFERENCES events(id),
                  PRIMARY KEY (epc, event)) WITHOUT ROWID;
                CREATE TABLE products (
                  gtin TEXT PRIMARY KEY NOT NULL,
                  name TEXT NOT NULL,
                  producer TEXT NOT NULL,
                  producer_address TEXT NOT NULL,
                  producer_gln TEXT NOT NULL,
                  updated_at TEXT NOT NULL);
                CREATE TABLE batches (
                  gtin TEXT NOT NULL,
                  lot TEXT NOT NULL,
                  expiry TEXT,
                  first_seen TEXT NOT NULL,
                  station_id TEXT,
                  PRIMARY KEY (gtin, lot)) WITHOUT ROWID;
                -- The next free counter per GTIN and format: blocks are cut from it, so they never overlap.
                CREATE TABLE serial_counters (
                  gtin TEXT NOT NULL,
                  format TEXT NOT NULL,
                  next INTEGER NOT NULL,
                  PRIMARY KEY (gtin, format)) WITHOUT ROWID;
                CREATE TABLE serial_blocks (
                  id INTEGER PRIMARY KEY,
                  gtin TEXT NOT NULL,
                  format TEXT NOT NULL,
                  start_counter INTEGER NOT NULL,
                  end_counter INTEGER NOT NULL,
                  station_id TEXT NOT NULL,
                  granted_at TEXT NOT NULL);
                CREATE TABLE lookups (
                  epc TEXT PRIMARY KEY NOT NULL,
                  count INTEGER NOT NULL) WITHOUT ROWID;
                """)
        }
        return m
    }

    public func addStation(_ station: StationRecord, tokenHash: String) async throws {
        try await pool.write { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM stations WHERE id = ?", arguments: [station.id]) != nil {
                throw TraceServerError.stationExists(station.id)
            }
            try db.execute(sql: "INSERT INTO stations(id, name, gln, token_hash, registered_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [station.id, station.name, station.gln, tokenHash, ServerTime.string(station.registeredAt)])
        }
    }

    public func stations() async throws -> [StationRecord] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM stations ORDER BY id").map(Self.station) }
    }

    static func station(_ r: Row) -> StationRecord {
        StationRecord(id: r["id"], name: r["name"], gln: r["gln"], registeredAt: ServerTime.date(r["registered_at"]) ?? Date(timeIntervalSince1970: 0),
                      contiguousSequence: r["contiguous_seq"])
    }

    public func addAdmin(name: String, tokenHash: String) async throws {
        try await pool.write { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM admins WHERE name = ?", arguments: [name]) != nil {
                throw TraceServerError.adminExists(name)
            }
            try db.execute(sql: "INSERT INTO admins(name, token_hash, created_at) VALUES (?, ?, ?)",
                           arguments: [name, tokenHash, ServerTime.string(Date())])
        }
    }

    public func principal(tokenHash: String) async throws -> Principal? {
        try readNow { db in
            if let r = try Row.fetchOne(db, sql: "SELECT * FROM stations WHERE token_hash = ?", arguments: [tokenHash]) {
                return .station(Self.station(r))
            }
            if let name = try String.fetchOne(db, sql: "SELECT name FROM admins WHERE token_hash = ?", arguments: [tokenHash]) {
                return .admin(name)
            }
            return nil
        }
    }

    public func capture(_ events: [IncomingEvent], stationID: String, sequences: ClosedRange<Int64>?) async throws -> CaptureOutcome {
        let receivedAt = ServerTime.string(Date())
        return try await pool.write { db in
            var events = events
            let lotOf = try db.cachedStatement(sql: """
                SELECT e.lot FROM event_epcs x JOIN events e ON e.id = x.event
                WHERE x.epc = ? AND e.biz_step = 'commissioning' AND e.lot IS NOT NULL AND e.is_correction = 0 LIMIT 1
                """)
            try events.inferLots { epc in try String.fetchOne(lotOf, arguments: [epc]) }
            let insert = try db.cachedStatement(sql: """
                INSERT INTO events(dedup_key, event_id, is_correction, event_type, biz_step, event_time_ms, station_id,
                                   station_seq, lot, biz_location, body, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(dedup_key) DO NOTHING
                """)
            let epcInsert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO event_epcs(epc, event) VALUES (?, ?)")
            let batchInsert = try db.cachedStatement(sql: """
                INSERT INTO batches(gtin, lot, expiry, first_seen, station_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """)
            var statuses: [CaptureOutcome.Status] = []
            statuses.reserveCapacity(events.count)
            var learned = Set<String>()
            for e in events {
                try insert.execute(arguments: [e.dedupKey, e.eventID, e.isCorrection, e.eventType, e.bizStep, ServerTime.milliseconds(e.eventTime),
                                               e.stationID, e.stationSequence, e.lot, e.bizLocation, e.body, receivedAt])
                guard db.changesCount == 1 else { statuses.append(.duplicate); continue }
                statuses.append(.accepted)
                let rowID = db.lastInsertedRowID
                for epc in e.identifiers { try epcInsert.execute(arguments: [epc, rowID]) }
                for c in e.commissioned where learned.insert(c.gtin + "\u{1F}" + c.lot).inserted {
                    try batchInsert.execute(arguments: [c.gtin, c.lot, c.expiry, receivedAt, e.stationID])
                }
            }
            var contiguous: Int64?
            if let r = sequences {
                try db.execute(sql: "UPDATE stations SET contiguous_seq = ? WHERE id = ? AND contiguous_seq >= ? AND contiguous_seq < ?",
                               arguments: [r.upperBound, stationID, r.lowerBound - 1, r.upperBound])
                contiguous = try Int64.fetchOne(db, sql: "SELECT contiguous_seq FROM stations WHERE id = ?", arguments: [stationID])
            }
            return CaptureOutcome(statuses: statuses, contiguousSequence: contiguous)
        }
    }

    public func events(_ q: EventQuery) async throws -> [ServerEvent] {
        var sql = q.epc == nil ? "SELECT e.* FROM events e WHERE 1" : "SELECT e.* FROM event_epcs x JOIN events e ON e.id = x.event WHERE x.epc = ?"
        var args: [(any DatabaseValueConvertible)?] = []
        if let epc = q.epc { args.append(epc) }
        if let lot = q.lot { sql += " AND e.lot = ?"; args.append(lot) }
        if let from = q.from { sql += " AND e.event_time_ms >= ?"; args.append(ServerTime.milliseconds(from)) }
        if let to = q.to { sql += " AND e.event_time_ms < ?"; args.append(ServerTime.milliseconds(to)) }
        if let s = q.stationID { sql += " AND e.station_id = ?"; args.append(s) }
        if let b = q.bizStep { sql += " AND e.biz_step = ?"; args.append(b) }
        if let c = q.after {
            guard let id = Int64(c.key) else { return [] }   // a cursor of another store matches nothing here
            sql += " AND (e.event_time_ms > ? OR (e.event_time_ms = ? AND e.id > ?))"
            args += [c.eventTimeMilliseconds, c.eventTimeMilliseconds, id]
        }
        sql += " ORDER BY e.event_time_ms, e.id LIMIT ?"
        args.append(q.limit)
        let arguments = StatementArguments(args)
        let statement = sql
        let fetch = { (db: Database) throws -> [ServerEvent] in
            try Row.fetchAll(db, sql: statement, arguments: arguments).map(Self.serverEvent)
        }
        // One stamp's history is a handful of rows found through an index: read it in place.
        if q.epc != nil { return try readNow(fetch) }
        return try await pool.read(fetch)
    }

    public func putProduct(_ p: ProductRecord) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO products(gtin, name, producer, producer_address, producer_gln, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(gtin) DO UPDATE SET name = excluded.name, producer = excluded.producer,
                  producer_address = excluded.producer_address, producer_gln = excluded.producer_gln, updated_at = excluded.updated_at
                """, arguments: [p.gtin, p.name, p.producer, p.producerAddress, p.producerGLN, ServerTime.string(p.updatedAt ?? Date())])
        }
    }

    public func product(gtin: String) async throws -> ProductRecord? {
        try readNow { db in
            try Row.fetchOne(db, sql: "SELECT * FROM products WHERE gtin = ?", arguments: [gtin]).map(Self.product)
        }
    }

    public func batch(gtin: String, lot: String) async throws -> BatchRecord? {
        try readNow { db in
            try Row.fetchOne(db, sql: "SELECT * FROM batches WHERE gtin = ? AND lot = ?", arguments: [gtin, lot]).map(Self.batch)
        }
    }

    public func allocateSerialBlock(gtin: String, format: SerialFormat, count: UInt64, capacity: UInt64, stationID: String) async throws -> SerialBlock {
        try await pool.write { db in
            let next = UInt64(try Int64.fetchOne(db, sql: "SELECT next FROM serial_counters WHERE gtin = ? AND format = ?",
                                                 arguments: [gtin, format.rawValue]) ?? 0)
            guard next <= capacity, capacity - next >= count else {
                throw TraceServerError.serialSpaceExhausted(gtin: gtin, format: format.rawValue, remaining: capacity - min(next, capacity))
            }
            let end = next + count
            try db.execute(sql: """
                INSERT INTO serial_counters(gtin, format, next) VALUES (?, ?, ?)
                ON CONFLICT(gtin, format) DO UPDATE SET next = excluded.next
                """, arguments: [gtin, format.rawValue, Int64(end)])
            try db.execute(sql: """
                INSERT INTO serial_blocks(gtin, format, start_counter, end_counter, station_id, granted_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [gtin, format.rawValue, Int64(next), Int64(end), stationID, ServerTime.string(Date())])
            return SerialBlock(gtin: gtin, format: format.rawValue, start: next, end: end, stationID: stationID)
        }
    }

    public func stampFacts(epc: String, gtin: String) async throws -> StampFacts {
        try readNow { db in
            let events = try Row.fetchAll(try db.cachedStatement(sql: """
                SELECT e.* FROM event_epcs x JOIN events e ON e.id = x.event WHERE x.epc = ? ORDER BY e.event_time_ms, e.id
                """), arguments: [epc]).map(Self.serverEvent)
            let product = try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM products WHERE gtin = ?"), arguments: [gtin]).map(Self.product)
            var batches: [String: BatchRecord] = [:]
            var lotEvents: [ServerEvent] = []
            let batchQuery = try db.cachedStatement(sql: "SELECT * FROM batches WHERE gtin = ? AND lot = ?")
            let classQuery = try db.cachedStatement(sql: """
                SELECT e.* FROM event_epcs x JOIN events e ON e.id = x.event WHERE x.epc = ? ORDER BY e.event_time_ms, e.id LIMIT 1000
                """)
            for lot in Set(events.filter { $0.bizStep == "commissioning" }.compactMap(\.lot)) {
                if let b = try Row.fetchOne(batchQuery, arguments: [gtin, lot]).map(Self.batch) { batches[lot] = b }
                lotEvents += try Row.fetchAll(classQuery, arguments: [Stamp.lotClass(gtin: gtin, lot: lot)]).map(Self.serverEvent)
            }
            let lookups = try Int.fetchOne(try db.cachedStatement(sql: "SELECT count FROM lookups WHERE epc = ?"), arguments: [epc]) ?? 0
            return StampFacts(events: events, product: product, batches: batches, lookups: lookups, lotEvents: lotEvents)
        }
    }

    static func serverEvent(_ r: Row) -> ServerEvent {
        ServerEvent(eventID: r["event_id"], isCorrection: r["is_correction"], eventType: r["event_type"], bizStep: r["biz_step"],
                    eventTime: ServerTime.date(milliseconds: r["event_time_ms"]), stationID: r["station_id"],
                    bizLocation: r["biz_location"], lot: r["lot"], body: r["body"], pageKey: String(r["id"] as Int64))
    }

    static func product(_ r: Row) -> ProductRecord {
        ProductRecord(gtin: r["gtin"], name: r["name"], producer: r["producer"], producerAddress: r["producer_address"],
                      producerGLN: r["producer_gln"], updatedAt: ServerTime.date(r["updated_at"]))
    }

    static func batch(_ r: Row) -> BatchRecord {
        BatchRecord(gtin: r["gtin"], lot: r["lot"], expiry: r["expiry"], firstSeen: ServerTime.date(r["first_seen"]) ?? Date(timeIntervalSince1970: 0),
                    stationID: r["station_id"])
    }

    public func addLookups(_ counts: [String: Int]) async throws {
        guard !counts.isEmpty else { return }
        try await pool.write { db in
            let st = try db.cachedStatement(sql: """
                INSERT INTO lookups(epc, count) VALUES (?, ?) ON CONFLICT(epc) DO UPDATE SET count = count + excluded.count
                """)
            for (epc, n) in counts { try st.execute(arguments: [epc, n]) }
        }
    }

    public func lookupCount(epc: String) async throws -> Int {
        try readNow { db in try Int.fetchOne(db, sql: "SELECT count FROM lookups WHERE epc = ?", arguments: [epc]) ?? 0 }
    }
}

/// Times as the server stores and prints them (value-type format styles: safe from any thread).
enum ServerTime {
    static func milliseconds(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded(.down)) }
    static func date(milliseconds ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }

    static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    static let whole = Date.ISO8601FormatStyle()

    static func string(_ d: Date) -> String { fractional.format(d) }
    static func date(_ s: String?) -> Date? {
        guard let s else { return nil }
        return (try? fractional.parse(s)) ?? (try? whole.parse(s))
    }

    /// A query bound: an ISO 8601 instant with offset, or a bare `YYYY-MM-DD` meaning midnight in
    /// Việt Nam (+07:00), the time zone every station of the province writes.
    static func queryBound(_ s: String) -> Date? {
        if let d = date(s) { return d }
        guard s.count == 10 else { return nil }
        return date(s + "T00:00:00+07:00")
    }
}
