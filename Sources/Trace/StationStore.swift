import Foundation
import GRDB

/// A storage problem, said so that the operator or installer knows what to do.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case cannotCreateDirectory(path: String, reason: String)
    case cannotOpen(path: String, reason: String)
    case readOnly(path: String)
    case diskFull(path: String)
    case newerSchema(path: String, found: String)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let p, let r): return "cannot create the data directory \(p): \(r); check its permissions or choose another --data-dir"
        case .cannotOpen(let p, let r): return "cannot open the station database \(p): \(r)"
        case .readOnly(let p): return "the data directory \(p) is read-only; nothing can be recorded until it is writable again"
        case .diskFull(let p): return "the disk holding \(p) is full; free space, nothing was lost"
        case .newerSchema(let p, let m): return "the database \(p) was written by a newer station (migration \(m)); install that version or restore a backup"
        }
    }
}

/// The station's durable local store: one SQLite database in WAL mode with `synchronous=FULL`,
/// so that a committed transaction survives `kill -9` and power cuts.
///
/// Tables are created by versioned migrations; a migration, once released, is never edited.
public final class StationStore: Sendable {
    public let path: String
    /// GRDB's pool: one writer, concurrent readers.
    public let pool: DatabasePool

    /// Opens (creating if needed) `<dataDirectory>/station.sqlite` and migrates it.
    public init(dataDirectory: URL) throws {
        let dir = dataDirectory.path
        do {
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.cannotCreateDirectory(path: dir, reason: error.localizedDescription)
        }
        path = dataDirectory.appendingPathComponent("station.sqlite").path
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
        case .SQLITE_READONLY, .SQLITE_CANTOPEN where FileManager.default.fileExists(atPath: path) && !FileManager.default.isWritableFile(atPath: path):
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
        return m
    }
}
