import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import ServiceLifecycle
import Trace

/// The trace-server's store in PostgreSQL, for a province that outgrows one SQLite file.
///
/// Events live in a table range-partitioned by `event_time`, one partition per UTC month, created
/// on demand the first time an event of that month arrives; old months can be detached and
/// archived without touching the rest. Idempotency does not rely on the partitioned table (a
/// unique index there would have to include the partition key): every stored row first claims
/// its key in the unpartitioned `event_keys` table with `ON CONFLICT DO NOTHING`, in the same
/// transaction, so a resent event is reported as a duplicate however its time changed.
public final class PostgresTraceStorage: TraceStorage {
    let client: PostgresClient
    let logger: Logger
    /// Months whose partition is known to exist (a cache: creation is idempotent anyway).
    private let partitions = NIOLockedValueBox(Set<Int>())

    /// The connection pool; it must run for queries to be served.
    public var services: [any Service] { [client] }

    /// A store for `url`; its connection pool runs as one of ``services``.
    public init(url: String, logger: Logger, maximumConnections: Int = 20) throws {
        let u = try PostgresURL(url)
        let tls: PostgresClient.Configuration.TLS
        switch u.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var config = PostgresClient.Configuration(host: u.host, port: u.port, username: u.username, password: u.password,
                                                  database: u.database, tls: tls)
        config.options.maximumConnections = maximumConnections
        config.options.connectTimeout = .seconds(10)
        client = PostgresClient(configuration: config, backgroundLogger: logger)
        self.logger = logger
    }

    /// Runs `body` with a store whose connection pool runs only for its duration (CLI commands, tests).
    public static func with<T: Sendable>(url: String, logger: Logger, _ body: (PostgresTraceStorage) async throws -> T) async throws -> T {
        let storage = try PostgresTraceStorage(url: url, logger: logger, maximumConnections: 4)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await storage.client.run() }
            defer { group.cancelAll() }
            return try await body(storage)
        }
    }

    /// Runs `body` in a transaction, rethrowing the body's own error rather than the wrapper
    /// postgres-nio puts around it, so callers see ``TraceServerError`` and SQL errors as they are.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { c in try await body(c) }
        } catch let e as PostgresTransactionError {
            if let inner = e.closureError { throw inner }
            throw e
        }
    }

    // MARK: schema

    /// Schema versions, each a list of statements run in one transaction; never edited once released.
    static let migrations: [(String, [String])] = [
        ("v1-foundation", [
            """
            CREATE TABLE stations (
              id text PRIMARY KEY, name text NOT NULL, gln text NOT NULL, token_hash text NOT NULL UNIQUE,
              registered_at timestamptz NOT NULL, contiguous_seq bigint NOT NULL DEFAULT 0)
            """,
            "CREATE TABLE admins (name text PRIMARY KEY, token_hash text NOT NULL UNIQUE, created_at timestamptz NOT NULL)",
            """
            CREATE TABLE event_keys (
              dedup_key text PRIMARY KEY, event_id text NOT NULL, event_time timestamptz NOT NULL, received_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE events (
              event_time timestamptz NOT NULL, dedup_key text NOT NULL, event_id text NOT NULL, is_correction boolean NOT NULL,
              event_type text NOT NULL, biz_step text, station_id text, station_seq bigint, lot text, biz_location text,
              epcs text[] NOT NULL, body text NOT NULL, received_at timestamptz NOT NULL)
            PARTITION BY RANGE (event_time)
            """,
            "CREATE INDEX events_by_time ON events (event_time)",
            "CREATE INDEX events_by_lot ON events (lot, event_time) WHERE lot IS NOT NULL",
            "CREATE INDEX events_by_station ON events (station_id, event_time)",
            "CREATE INDEX events_by_epc ON events USING gin (epcs)",
            """
            CREATE TABLE products (
              gtin text PRIMARY KEY, name text NOT NULL, producer text NOT NULL, producer_address text NOT NULL,
              producer_gln text NOT NULL, updated_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE batches (
              gtin text NOT NULL, lot text NOT NULL, expiry text, first_seen timestamptz NOT NULL, station_id text,
              PRIMARY KEY (gtin, lot))
            """,
            "CREATE TABLE serial_counters (gtin text NOT NULL, format text NOT NULL, next bigint NOT NULL, PRIMARY KEY (gtin, format))",
            """
            CREATE TABLE serial_blocks (
              id bigserial PRIMARY KEY, gtin text NOT NULL, format text NOT NULL, start_counter bigint NOT NULL,
              end_counter bigint NOT NULL, station_id text NOT NULL, granted_at timestamptz NOT NULL)
            """,
            "CREATE TABLE lookups (epc text PRIMARY KEY, count bigint NOT NULL)",
        ]),
    ]

    public func migrate() async throws {
        do {
            try await transaction { c in
                // Two servers starting at once must not both run a migration.
                try await c.query("SELECT pg_advisory_xact_lock(7306110001)", logger: logger)
                try await c.query("CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL)", logger: logger)
                var applied = Set<String>()
                for try await v in try await c.query("SELECT version FROM schema_migrations", logger: logger).decode(String.self) { applied.insert(v) }
                let known = Set(Self.migrations.map(\.0))
                if let unknown = applied.subtracting(known).first {
                    throw TraceServerError.storageUnavailable("the database was migrated by a newer trace-server (\(unknown)); run that version")
                }
                for (version, statements) in Self.migrations where !applied.contains(version) {
                    for s in statements { try await c.query(PostgresQuery(unsafeSQL: s), logger: logger) }
                    try await c.query("INSERT INTO schema_migrations(version, applied_at) VALUES (\(version), now())", logger: logger)
                }
            }
        } catch let e as TraceServerError {
            throw e
        } catch {
            throw TraceServerError.storageUnavailable("PostgreSQL migration failed: \(String(reflecting: error))")
        }
    }

    /// `yyyymm` of a date in UTC.
    static func month(_ d: Date) -> Int {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month], from: d)
        return c.year! * 100 + c.month!
    }

    /// Creates the monthly partitions `months` needs, serialised by an advisory lock so that two
    /// captures for a new month do not race on `CREATE TABLE`.
    func ensurePartitions(_ months: Set<Int>) async throws {
        let missing = partitions.withLockedValue { months.subtracting($0) }
        guard !missing.isEmpty else { return }
        try await transaction { c in
            try await c.query("SELECT pg_advisory_xact_lock(7306110002)", logger: logger)
            for m in missing.sorted() {
                let (y, mo) = (m / 100, m % 100)
                let (ny, nmo) = mo == 12 ? (y + 1, 1) : (y, mo + 1)
                let from = String(format: "%04d-%02d-01 00:00:00+00", y, mo), to = String(format: "%04d-%02d-01 00:00:00+00", ny, nmo)
                try await c.query(PostgresQuery(unsafeSQL: """
                    CREATE TABLE IF NOT EXISTS events_p\(m) PARTITION OF events FOR VALUES FROM ('\(from)') TO ('\(to)')
                    """), logger: logger)
            }
        }
        partitions.withLockedValue { $0.formUnion(missing) }
    }

    /// The names of the monthly partitions that exist, oldest first (for operators and tests).
    public func partitionNames() async throws -> [String] {
        var out: [String] = []
        let rows = try await client.query("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = 'events' ORDER BY c.relname
            """, logger: logger)
        for try await n in rows.decode(String.self) { out.append(n) }
        return out
    }

    // MARK: stations and admins

    public func addStation(_ s: StationRecord, tokenHash: String) async throws {
        let rows = try await client.query("""
            INSERT INTO stations(id, name, gln, token_hash, registered_at) VALUES (\(s.id), \(s.name), \(s.gln), \(tokenHash), \(s.registeredAt))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, logger: logger)
        var inserted = false
        for try await _ in rows.decode(String.self) { inserted = true }
        if !inserted { throw TraceServerError.stationExists(s.id) }
    }

    public func stations() async throws -> [StationRecord] {
        var out: [StationRecord] = []
        let rows = try await client.query("SELECT id, name, gln, registered_at, contiguous_seq FROM stations ORDER BY id", logger: logger)
        for try await (id, name, gln, at, seq) in rows.decode((String, String, String, Date, Int64).self) {
            out.append(StationRecord(id: id, name: name, gln: gln, registeredAt: at, contiguousSequence: seq))
        }
        return out
    }

    public func addAdmin(name: String, tokenHash: String) async throws {
        let rows = try await client.query("""
            INSERT INTO admins(name, token_hash, created_at) VALUES (\(name), \(tokenHash), now()) ON CONFLICT (name) DO NOTHING RETURNING name
            """, logger: logger)
        var inserted = false
        for try await _ in rows.decode(String.self) { inserted = true }
        if !inserted { throw TraceServerError.adminExists(name) }
    }

    public func principal(tokenHash: String) async throws -> Principal? {
        let rows = try await client.query("""
            SELECT id, name, gln, registered_at, contiguous_seq FROM stations WHERE token_hash = \(tokenHash)
            """, logger: logger)
        for try await (id, name, gln, at, seq) in rows.decode((String, String, String, Date, Int64).self) {
            return .station(StationRecord(id: id, name: name, gln: gln, registeredAt: at, contiguousSequence: seq))
        }
        for try await name in try await client.query("SELECT name FROM admins WHERE token_hash = \(tokenHash)", logger: logger).decode(String.self) {
            return .admin(name)
        }
        return nil
    }

    // MARK: events

    public func capture(_ events: [IncomingEvent], stationID: String, sequences: ClosedRange<Int64>?) async throws -> CaptureOutcome {
        guard !events.isEmpty else {
            return CaptureOutcome(statuses: [], contiguousSequence: nil)
        }
        try await ensurePartitions(Set(events.map { Self.month($0.eventTime) }))
        let receivedAt = Date()
        let logger = self.logger
        return try await transaction { c in
            // 0. Lots for scans that do not name one, from the stamps' commissioning events.
            var events = events
            let unknown = Array(Set(events.filter { $0.lot == nil }.flatMap(\.identifiers)))
            var known: [String: String] = [:]
            if !unknown.isEmpty {
                let rows = try await c.query("""
                    SELECT x.epc, e.lot FROM events e CROSS JOIN LATERAL unnest(e.epcs) AS x(epc)
                    WHERE e.epcs && \(unknown) AND x.epc = ANY(\(unknown)) AND e.biz_step = 'commissioning'
                      AND e.lot IS NOT NULL AND NOT e.is_correction
                    """, logger: logger)
                for try await (epc, lot) in rows.decode((String, String).self) { known[epc] = lot }
            }
            events.inferLots { known[$0] }
            // 1. Claim the keys; only the rows that come back are new.
            var keySQL = "INSERT INTO event_keys(dedup_key, event_id, event_time, received_at) VALUES "
            var keyBinds = PostgresBindings(capacity: events.count * 4)
            for (i, e) in events.enumerated() {
                let b = i * 4
                keySQL += (i == 0 ? "" : ",") + "($\(b + 1),$\(b + 2),$\(b + 3),$\(b + 4))"
                keyBinds.append(e.dedupKey); keyBinds.append(e.eventID); keyBinds.append(e.eventTime); keyBinds.append(receivedAt)
            }
            keySQL += " ON CONFLICT (dedup_key) DO NOTHING RETURNING dedup_key"
            var fresh = Set<String>()
            for try await k in try await c.query(PostgresQuery(unsafeSQL: keySQL, binds: keyBinds), logger: logger).decode(String.self) {
                fresh.insert(k)
            }
            // 2. Store the new events (a key appearing twice in one request is stored once).
            var statuses: [CaptureOutcome.Status] = []
            statuses.reserveCapacity(events.count)
            var storedKeys = Set<String>()
            var rows: [IncomingEvent] = []
            for e in events {
                if fresh.contains(e.dedupKey) && storedKeys.insert(e.dedupKey).inserted {
                    statuses.append(.accepted); rows.append(e)
                } else {
                    statuses.append(.duplicate)
                }
            }
            if !rows.isEmpty {
                var sql = """
                    INSERT INTO events(event_time, dedup_key, event_id, is_correction, event_type, biz_step, station_id, station_seq,
                                       lot, biz_location, epcs, body, received_at) VALUES
                    """
                var binds = PostgresBindings(capacity: rows.count * 13)
                for (i, e) in rows.enumerated() {
                    let b = i * 13
                    sql += (i == 0 ? "" : ",") + "(" + (1...13).map { "$\(b + $0)" }.joined(separator: ",") + ")"
                    binds.append(e.eventTime); binds.append(e.dedupKey); binds.append(e.eventID); binds.append(e.isCorrection)
                    binds.append(e.eventType); binds.append(e.bizStep); binds.append(e.stationID); binds.append(e.stationSequence)
                    binds.append(e.lot); binds.append(e.bizLocation); binds.append(e.identifiers)
                    binds.append(String(decoding: e.body, as: UTF8.self)); binds.append(receivedAt)
                }
                try await c.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            }
            // 3. Learn lots from commissioning events.
            var learned = Set<String>()
            var batchSQL = "INSERT INTO batches(gtin, lot, expiry, first_seen, station_id) VALUES "
            var batchBinds = PostgresBindings()
            var n = 0
            for e in rows {
                for cm in e.commissioned where learned.insert(cm.gtin + "\u{1F}" + cm.lot).inserted {
                    let b = n * 5
                    batchSQL += (n == 0 ? "" : ",") + "($\(b + 1),$\(b + 2),$\(b + 3),$\(b + 4),$\(b + 5))"
                    batchBinds.append(cm.gtin); batchBinds.append(cm.lot); batchBinds.append(cm.expiry)
                    batchBinds.append(receivedAt); batchBinds.append(e.stationID)
                    n += 1
                }
            }
            if n > 0 {
                try await c.query(PostgresQuery(unsafeSQL: batchSQL + " ON CONFLICT DO NOTHING", binds: batchBinds), logger: logger)
            }
            // 4. Move the station's contiguous sequence when this run continues it.
            var contiguous: Int64?
            if let r = sequences {
                let (lo, hi) = (r.lowerBound - 1, r.upperBound)
                try await c.query("""
                    UPDATE stations SET contiguous_seq = \(hi) WHERE id = \(stationID) AND contiguous_seq >= \(lo) AND contiguous_seq < \(hi)
                    """, logger: logger)
                for try await v in try await c.query("SELECT contiguous_seq FROM stations WHERE id = \(stationID)", logger: logger).decode(Int64.self) {
                    contiguous = v
                }
            }
            return CaptureOutcome(statuses: statuses, contiguousSequence: contiguous)
        }
    }

    public func events(_ q: EventQuery) async throws -> [ServerEvent] {
        var sql = "SELECT event_id, is_correction, event_type, biz_step, event_time, station_id, biz_location, lot, body, dedup_key, "
            + "(extract(epoch FROM event_time) * 1000000)::int8 FROM events WHERE true"
        var binds = PostgresBindings()
        func bind(_ clause: String, _ value: some PostgresDynamicTypeEncodable) {
            binds.append(value)
            sql += clause.replacingOccurrences(of: "?", with: "$\(binds.count)")
        }
        if let epc = q.epc { bind(" AND epcs @> ARRAY[?]::text[]", epc) }
        if let lot = q.lot { bind(" AND lot = ?", lot) }
        if let from = q.from { bind(" AND event_time >= ?", from) }
        if let to = q.to { bind(" AND event_time < ?", to) }
        if let s = q.stationID { bind(" AND station_id = ?", s) }
        if let b = q.bizStep { bind(" AND biz_step = ?", b) }
        if let c = q.after {
            // The key is `<microseconds>|<dedup_key>`: compared as integers, exactly as the rows are
            // ordered (a Date round trip could move a time by a microsecond and repeat or skip a row).
            guard let bar = c.key.firstIndex(of: "|"), let us = Int64(c.key[..<bar]) else { return [] }
            bind(" AND event_time >= ?", Date(timeIntervalSince1970: Double(c.eventTimeMilliseconds - 1) / 1000))
            bind(" AND ((extract(epoch FROM event_time) * 1000000)::int8 > ?", us)
            bind(" OR ((extract(epoch FROM event_time) * 1000000)::int8 = ?", us)
            bind(" AND dedup_key > ?))", String(c.key[c.key.index(after: bar)...]))
        }
        bind(" ORDER BY event_time, dedup_key LIMIT ?", q.limit)
        var out: [ServerEvent] = []
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        for try await (id, corr, type, step, time, station, loc, lot, body, key, us) in rows.decode(
            (String, Bool, String, String?, Date, String?, String?, String?, String, String, Int64).self) {
            out.append(ServerEvent(eventID: id, isCorrection: corr, eventType: type, bizStep: step, eventTime: time, stationID: station,
                                   bizLocation: loc, lot: lot, body: Data(body.utf8), pageKey: "\(us)|\(key)"))
        }
        return out
    }

    // MARK: products, batches, serial blocks, lookups

    public func putProduct(_ p: ProductRecord) async throws {
        try await client.query("""
            INSERT INTO products(gtin, name, producer, producer_address, producer_gln, updated_at)
            VALUES (\(p.gtin), \(p.name), \(p.producer), \(p.producerAddress), \(p.producerGLN), \(p.updatedAt ?? Date()))
            ON CONFLICT (gtin) DO UPDATE SET name = excluded.name, producer = excluded.producer,
              producer_address = excluded.producer_address, producer_gln = excluded.producer_gln, updated_at = excluded.updated_at
            """, logger: logger)
    }

    public func product(gtin: String) async throws -> ProductRecord? {
        let rows = try await client.query("""
            SELECT gtin, name, producer, producer_address, producer_gln, updated_at FROM products WHERE gtin = \(gtin)
            """, logger: logger)
        for try await (g, n, p, a, gln, at) in rows.decode((String, String, String, String, String, Date).self) {
            return ProductRecord(gtin: g, name: n, producer: p, producerAddress: a, producerGLN: gln, updatedAt: at)
        }
        return nil
    }

    public func batch(gtin: String, lot: String) async throws -> BatchRecord? {
        let rows = try await client.query("""
            SELECT gtin, lot, expiry, first_seen, station_id FROM batches WHERE gtin = \(gtin) AND lot = \(lot)
            """, logger: logger)
        for try await (g, l, e, at, s) in rows.decode((String, String, String?, Date, String?).self) {
            return BatchRecord(gtin: g, lot: l, expiry: e, firstSeen: at, stationID: s)
        }
        return nil
    }

    public func allocateSerialBlock(gtin: String, format: SerialFormat, count: UInt64, capacity: UInt64, stationID: String) async throws -> SerialBlock {
        let logger = self.logger
        return try await transaction { c in
            let f = format.rawValue
            try await c.query("INSERT INTO serial_counters(gtin, format, next) VALUES (\(gtin), \(f), 0) ON CONFLICT DO NOTHING", logger: logger)
            var next: UInt64 = 0
            // The row lock makes concurrent requests for the same GTIN and format take turns.
            for try await v in try await c.query("SELECT next FROM serial_counters WHERE gtin = \(gtin) AND format = \(f) FOR UPDATE",
                                                 logger: logger).decode(Int64.self) { next = UInt64(v) }
            guard next <= capacity, capacity - next >= count else {
                throw TraceServerError.serialSpaceExhausted(gtin: gtin, format: f, remaining: capacity - min(next, capacity))
            }
            let end = next + count
            let (s, e) = (Int64(next), Int64(end))
            try await c.query("UPDATE serial_counters SET next = \(e) WHERE gtin = \(gtin) AND format = \(f)", logger: logger)
            try await c.query("""
                INSERT INTO serial_blocks(gtin, format, start_counter, end_counter, station_id, granted_at)
                VALUES (\(gtin), \(f), \(s), \(e), \(stationID), now())
                """, logger: logger)
            return SerialBlock(gtin: gtin, format: f, start: next, end: end, stationID: stationID)
        }
    }

    public func stampFacts(epc: String, gtin: String) async throws -> StampFacts {
        async let events = self.events(EventQuery(epc: epc, limit: 100_000))
        async let product = self.product(gtin: gtin)
        async let lookups = lookupCount(epc: epc)
        let history = try await events
        var batches: [String: BatchRecord] = [:]
        var lotEvents: [ServerEvent] = []
        for lot in Set(history.filter { $0.bizStep == "commissioning" }.compactMap(\.lot)) {
            if let b = try await batch(gtin: gtin, lot: lot) { batches[lot] = b }
            lotEvents += try await self.events(EventQuery(epc: Stamp.lotClass(gtin: gtin, lot: lot), limit: 1000))
        }
        return StampFacts(events: history, product: try await product, batches: batches, lookups: try await lookups, lotEvents: lotEvents)
    }

    public func addLookups(_ counts: [String: Int]) async throws {
        guard !counts.isEmpty else { return }
        var sql = "INSERT INTO lookups(epc, count) VALUES "
        var binds = PostgresBindings(capacity: counts.count * 2)
        for (i, (epc, n)) in counts.enumerated() {
            sql += (i == 0 ? "" : ",") + "($\(2 * i + 1),$\(2 * i + 2))"
            binds.append(epc); binds.append(Int64(n))
        }
        sql += " ON CONFLICT (epc) DO UPDATE SET count = lookups.count + excluded.count"
        try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
    }

    public func lookupCount(epc: String) async throws -> Int {
        for try await n in try await client.query("SELECT count FROM lookups WHERE epc = \(epc)", logger: logger).decode(Int64.self) {
            return Int(n)
        }
        return 0
    }
}
