import Foundation
import GRDB
import Synchronization

/// A storage problem, said so that the operator or installer knows what to do.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case cannotCreateDirectory(path: String, reason: String)
    case cannotOpen(path: String, reason: String)
    case readOnly(path: String)
    case diskFull(path: String)
    /// The disk failed a read or write (a dying SD card, a USB disk pulled out).
    case ioError(path: String, reason: String)
    case newerSchema(path: String, found: String)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let p, let r): return "cannot create the data directory \(p): \(r); check its permissions or choose another --data-dir"
        case .cannotOpen(let p, let r): return "cannot open the station database \(p): \(r)"
        case .readOnly(let p): return "the station database \(p) is read-only (a read-only mount, or a disk the system remounted read-only after errors); nothing can be recorded until it is writable again, and nothing recorded is lost: `mount -o remount,rw` or fix the disk, then `station job recover` and resume the job"
        case .diskFull(let p): return "the disk holding \(p) is full; nothing recorded is lost and the step that failed was not recorded: free space (`df -h`; old label previews under <data dir>/labels can go), then `station job recover` and resume the job"
        case .ioError(let p, let r): return "the disk holding \(p) failed (\(r)); nothing committed is lost: check the disk (`dmesg`), then `station doctor`"
        case .newerSchema(let p, let m): return "the database \(p) was written by a newer station (migration \(m)); install that version or restore a backup"
        }
    }

    /// The file the failure is about.
    public var path: String {
        switch self {
        case .cannotCreateDirectory(let p, _), .cannotOpen(let p, _), .readOnly(let p), .diskFull(let p), .ioError(let p, _), .newerSchema(let p, _): return p
        }
    }

    /// Operating-system exit status for this failure (sysexits.h: EX_IOERR, EX_CANTCREAT, EX_CONFIG).
    public var exitStatus: Int32 {
        switch self {
        case .cannotCreateDirectory: return 73
        case .newerSchema: return 78
        default: return 74
        }
    }

    /// The storage failure behind `error`, if it is one: an SQLite error of the station database
    /// saying the disk is full, read-only or failing, wherever in the station it surfaced.
    public static func classify(_ error: any Error) -> StoreError? {
        if let e = error as? StoreError { return e }
        guard let e = error as? DatabaseError else { return nil }
        let path = StationStore.openedPath ?? "the station database"
        switch e.resultCode.primaryResultCode {
        case .SQLITE_FULL: return .diskFull(path: path)
        case .SQLITE_READONLY: return .readOnly(path: path)
        case .SQLITE_IOERR, .SQLITE_CANTOPEN: return .ioError(path: path, reason: e.message ?? "\(e.resultCode)")
        default: return nil
        }
    }
}

/// The station's durable local store: one SQLite database in WAL mode with `synchronous=FULL`,
/// so that a committed transaction survives `kill -9` and power cuts.
///
/// Tables are created by versioned migrations; a migration, once released, is never edited.
public final class StationStore: Sendable {
    /// The first database this process opened (a station process opens one), for messages about
    /// storage failures that surface far from the store.
    private static let opened = Mutex<String?>(nil)
    public static var openedPath: String? { opened.withLock { $0 } }

    public let path: String
    /// GRDB's pool: one writer, concurrent readers.
    public let pool: DatabasePool
    /// The writer's view of time: keeps event times in order when the clock is set back.
    let clock = EventClockGuard.State()

    /// Opens (creating if needed) `<dataDirectory>/station.sqlite` and migrates it.
    public init(dataDirectory: URL) throws {
        let dir = dataDirectory.path
        do {
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.cannotCreateDirectory(path: dir, reason: error.localizedDescription)
        }
        let path = dataDirectory.appendingPathComponent("station.sqlite").path
        self.path = path
        Self.opened.withLock { $0 = $0 ?? path }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch let e as DatabaseError {
            throw Self.map(e, path: path)
        }
        try migrate()
    }

    private func migrate() throws {
        let migrator = Self.migrator
        do {
            try pool.read { db in
                let applied = try migrator.appliedIdentifiers(db)
                let known = Set(migrator.migrations)
                if let unknown = applied.first(where: { !known.contains($0) }) {
                    throw StoreError.newerSchema(path: path, found: unknown)
                }
            }
            try migrator.migrate(pool)
        } catch let e as DatabaseError {
            throw Self.map(e, path: path)
        }
    }

    /// Names of the migrations applied to this database, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { try Self.migrator.appliedMigrations($0) }
    }

    /// Runs SQLite's own consistency check; "ok" means the file is sound.
    public func integrityCheck() throws -> String {
        try pool.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") ?? "no answer" }
    }

    static func map(_ e: DatabaseError, path: String) -> StoreError {
        switch e.resultCode {
        case .SQLITE_READONLY:
            return .readOnly(path: path)
        case .SQLITE_CANTOPEN where FileManager.default.fileExists(atPath: path) && !FileManager.default.isWritableFile(atPath: path):
            return .readOnly(path: path)
        case .SQLITE_FULL: return .diskFull(path: path)
        default: return .cannotOpen(path: path, reason: e.message ?? "\(e.resultCode)")
        }
    }

    /// Every schema version of the station database, in order.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-foundation") { db in
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            // Every line a scanner sends, kept even when it is rejected, so nothing an operator scanned is lost.
            try db.create(table: "scan_log") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("received_at", .text).notNull()
                t.column("scanner", .text).notNull()
                t.column("raw", .blob).notNull()
                t.column("kind", .text).notNull()
                t.column("outcome", .text).notNull()
            }
            // Every label handed to a printer transport.
            try db.create(table: "print_log") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("printed_at", .text).notNull()
                t.column("printer", .text).notNull()
                t.column("language", .text).notNull()
                t.column("bytes", .integer).notNull()
                t.column("content", .text).notNull()
                t.column("file", .text)
            }
        }
        m.registerMigration("v2-trace") { db in
            try db.execute(sql: """
                CREATE TABLE products (
                  gtin TEXT PRIMARY KEY NOT NULL,
                  name TEXT NOT NULL,
                  producer TEXT NOT NULL,
                  producer_address TEXT NOT NULL DEFAULT '',
                  producer_gln TEXT NOT NULL,
                  template TEXT NOT NULL,
                  serial_format TEXT NOT NULL CHECK (serial_format IN ('random', 'sequential')),
                  shelf_life_days INTEGER,
                  created_at TEXT NOT NULL);
                CREATE TABLE batches (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  gtin TEXT NOT NULL REFERENCES products(gtin),
                  lot TEXT NOT NULL,
                  production_date TEXT NOT NULL,
                  expiry_date TEXT,
                  planned_quantity INTEGER NOT NULL,
                  status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
                  created_at TEXT NOT NULL,
                  closed_at TEXT,
                  UNIQUE (gtin, lot));
                -- Counter ranges a station may draw serials from (its own prefix space, or blocks from the server).
                CREATE TABLE serial_blocks (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  gtin TEXT NOT NULL,
                  format TEXT NOT NULL,
                  prefix TEXT NOT NULL,
                  start_counter INTEGER NOT NULL,
                  end_counter INTEGER NOT NULL,
                  next INTEGER NOT NULL,
                  source TEXT NOT NULL CHECK (source IN ('local', 'server')),
                  created_at TEXT NOT NULL,
                  CHECK (start_counter <= next AND next <= end_counter));
                CREATE INDEX serial_blocks_by_product ON serial_blocks(gtin, format, prefix);
                CREATE TABLE reservations (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  batch_id INTEGER NOT NULL REFERENCES batches(id),
                  gtin TEXT NOT NULL,
                  purpose TEXT NOT NULL,
                  count INTEGER NOT NULL,
                  created_at TEXT NOT NULL);
                CREATE TABLE reservation_ranges (
                  reservation_id INTEGER NOT NULL REFERENCES reservations(id),
                  block_id INTEGER NOT NULL REFERENCES serial_blocks(id),
                  start_counter INTEGER NOT NULL,
                  count INTEGER NOT NULL);
                CREATE INDEX reservation_ranges_by_reservation ON reservation_ranges(reservation_id);
                -- The life of each serial once it leaves the reservation: sent, commissioned, voided, ...
                CREATE TABLE serial_states (
                  gtin TEXT NOT NULL,
                  serial TEXT NOT NULL,
                  batch_id INTEGER NOT NULL,
                  reservation_id INTEGER,
                  state TEXT NOT NULL,
                  reprints INTEGER NOT NULL DEFAULT 0,
                  updated_at TEXT NOT NULL,
                  last_event_id TEXT,
                  PRIMARY KEY (gtin, serial)) WITHOUT ROWID;
                CREATE INDEX serial_states_by_batch ON serial_states(batch_id, state);
                -- EPCIS events, append-only, each chained to the previous one's hash.
                CREATE TABLE events (
                  seq INTEGER PRIMARY KEY AUTOINCREMENT,
                  event_id TEXT NOT NULL,
                  event_type TEXT NOT NULL,
                  biz_step TEXT,
                  event_time TEXT NOT NULL,
                  recorded_at TEXT NOT NULL,
                  lot TEXT,
                  body BLOB NOT NULL,
                  chain_hash TEXT NOT NULL);
                CREATE INDEX events_by_id ON events(event_id);
                CREATE INDEX events_by_lot ON events(lot) WHERE lot IS NOT NULL;
                CREATE TABLE event_epcs (
                  epc TEXT NOT NULL,
                  seq INTEGER NOT NULL,
                  PRIMARY KEY (epc, seq)) WITHOUT ROWID;
                CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
                  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
                  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                """)
        }
        m.registerMigration("v3-print-jobs") { db in
            try db.execute(sql: """
                -- A print job: N stamps of one batch on one printer. It advances window by window and
                -- never prints on its own after a pause: resuming is the operator's decision.
                CREATE TABLE print_jobs (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  batch_id INTEGER NOT NULL REFERENCES batches(id),
                  printer TEXT NOT NULL,
                  requested INTEGER NOT NULL,
                  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'paused', 'completed', 'cancelled')),
                  pause_reason TEXT,
                  operator TEXT,
                  created_at TEXT NOT NULL,
                  updated_at TEXT NOT NULL);
                CREATE INDEX print_jobs_by_state ON print_jobs(state);
                CREATE INDEX reservations_by_purpose ON reservations(purpose);
                """)
        }
        m.registerMigration("v4-print-verification") { db in
            try db.execute(sql: """
                -- Print-and-verify: what the inline scanner read back for each printed stamp.
                CREATE TABLE print_verifications (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  job_id INTEGER NOT NULL REFERENCES print_jobs(id),
                  gtin TEXT NOT NULL,
                  serial TEXT NOT NULL,
                  outcome TEXT NOT NULL CHECK (outcome IN ('passed', 'no_read', 'mismatch')),
                  read_text TEXT,
                  checked_at TEXT NOT NULL);
                CREATE INDEX print_verifications_by_job ON print_verifications(job_id);
                """)
        }
        m.registerMigration("v5-rolls") { db in try StampRolls.migrate(db) }
        m.registerMigration("v6-recalls") { db in try StampLedger.migrateRecalls(db) }
        m.registerMigration("v7-province-rolls") { db in try StampRolls.migrateProvinceRolls(db) }
        return m
    }
}
