import EPCIS
import Foundation
import GRDB
import Trace

/// Where sync stands, as `station sync status` shows it.
public struct SyncStatus: Sendable, Equatable, Codable {
    /// The last event sequence the server confirmed; everything up to it is stored there.
    public var cursor: Int64
    /// The station's newest event sequence.
    public var lastSequence: Int64
    /// Events recorded but not yet confirmed by the server.
    public var backlog: Int64
    public var lastSuccess: String?
    public var lastAttempt: String?
    public var lastError: String?
}

/// The station's event log seen as an outbox: everything after a durable cursor still has to
/// reach the trace-server.
///
/// The cursor and the sync bookkeeping live in the station database's existing `meta(key, value)`
/// table under `sync.*` keys, written with plain SQL in their own transactions (`synchronous=FULL`),
/// so that a confirmed batch stays confirmed after `kill -9` or a power cut, and an unconfirmed
/// one is simply sent again (the server stores events idempotently by eventID).
public struct SyncOutbox: Sendable {
    public enum Key {
        public static let cursor = "sync.cursor"
        public static let lastSuccess = "sync.last_success"
        public static let lastError = "sync.last_error"
        public static let lastAttempt = "sync.last_attempt"
    }

    public let events: EventStore
    let pool: DatabasePool

    public init(store: StationStore, events: EventStore) {
        self.events = events
        self.pool = store.pool
    }

    /// The last confirmed sequence (0 before the first confirmation).
    public func cursor() throws -> Int64 {
        try pool.read { db in try Self.cursor(db) }
    }

    static func cursor(_ db: Database) throws -> Int64 {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [Key.cursor]).flatMap { Int64($0) } ?? 0
    }

    /// Up to `limit` events after the cursor, oldest first.
    public func pending(limit: Int) throws -> [StoredEvent] {
        try events.events(after: try cursor(), limit: limit)
    }

    /// Up to `limit` events after `seq` (for sending the next batch before the previous one is confirmed).
    public func pending(after seq: Int64, limit: Int) throws -> [StoredEvent] {
        try events.events(after: seq, limit: limit)
    }

    /// Moves the cursor forward to `seq` (never backwards) and records the success.
    public func acknowledge(through seq: Int64, at time: Date = Date()) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO meta(key, value) VALUES (?, ?)
                ON CONFLICT(key) DO UPDATE SET value = excluded.value
                  WHERE CAST(meta.value AS INTEGER) < CAST(excluded.value AS INTEGER)
                """, arguments: [Key.cursor, String(seq)])
            try Self.set(db, Key.lastSuccess, Self.timestamp(time))
        }
    }

    /// Records that a send is being attempted (for `sync status`).
    public func recordAttempt(at time: Date = Date()) throws {
        try pool.write { db in try Self.set(db, Key.lastAttempt, Self.timestamp(time)) }
    }

    /// Records the latest failure, with its time, for `sync status`.
    public func recordFailure(_ message: String, at time: Date = Date()) throws {
        try pool.write { db in try Self.set(db, Key.lastError, Self.timestamp(time) + " " + message) }
    }

    public func status() throws -> SyncStatus {
        try pool.read { db in
            let cursor = try Self.cursor(db)
            let last = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM events") ?? 0
            let backlog = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE seq > ?", arguments: [cursor]) ?? 0
            func value(_ k: String) throws -> String? { try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [k]) }
            return SyncStatus(cursor: cursor, lastSequence: last, backlog: backlog, lastSuccess: try value(Key.lastSuccess),
                              lastAttempt: try value(Key.lastAttempt), lastError: try value(Key.lastError))
        }
    }

    static func set(_ db: Database, _ key: String, _ value: String) throws {
        try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [key, value])
    }

    static func timestamp(_ d: Date) -> String {
        d.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// An EPCIS 2.0 document holding `events`, built from their stored bytes.
    ///
    /// The station stores each event as the EPCIS module encodes it alone: the station namespace
    /// under the prefix `txng`, CBV master data as `cbvmda` (implicit in the GS1 context). A
    /// document whose `@context` declares exactly that makes every stored event valid inside it
    /// unchanged, so events are sent byte for byte, without decoding and re-encoding them, and
    /// their hash IDs cannot drift on the way.
    public static func document(_ events: [StoredEvent], creationDate: Date = Date()) -> Data {
        var out = Data()
        out.reserveCapacity(events.reduce(256) { $0 + $1.body.count + 1 })
        out += Data(#"{"@context":[""#.utf8)
        out += Data(EPCISContext.standard.utf8)
        out += Data(#"",{"\#(EPCISNamespace.stationPrefix)":"\#(EPCISNamespace.station)"}],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":""#.utf8)
        out += Data(timestamp(creationDate).utf8)
        out += Data(#"","epcisBody":{"eventList":["#.utf8)
        for (i, e) in events.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += e.body
        }
        out += Data("]}}".utf8)
        return out
    }
}
