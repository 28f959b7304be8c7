import Crypto
import EPCIS
import Foundation
import GRDB

/// An event as the store holds it: its place in the chain and its exact bytes.
public struct StoredEvent: Sendable, Equatable {
    public let seq: Int64
    public let eventID: String
    public let eventType: String
    public let bizStep: String?
    public let eventTime: String
    /// The event's JSON-LD encoding, exactly as hashed into the chain.
    public let body: Data
    public let chainHash: String

    public func decoded() throws -> EPCISEvent { try EPCISEvent(jsonData: body) }
}

/// The result of re-walking the chain.
public struct ChainVerification: Sendable, Equatable, CustomStringConvertible {
    public let eventsChecked: Int
    /// The first event whose content or link does not match, if any.
    public let firstBrokenSeq: Int64?
    public let problem: String?
    public var isIntact: Bool { firstBrokenSeq == nil }
    public var description: String {
        isIntact ? "chain intact: \(eventsChecked) events verified"
                 : "chain BROKEN at event #\(firstBrokenSeq!): \(problem ?? "")"
    }
}

/// The append-only event log. Each event is stored with a chain hash
/// `SHA-256(previous chain hash ‖ eventID ‖ body)`, so an edited, removed or reordered event is
/// found by ``verifyChain()``; SQLite triggers refuse UPDATE and DELETE on the table.
public struct EventStore: Sendable {
    public static let genesis = String(repeating: "0", count: 64)
    let store: StationStore
    public let stationID: String

    public init(store: StationStore, stationID: String) {
        self.store = store
        self.stationID = stationID
    }

    /// An event made ready for storage: its CBV 2.0 hash as `eventID` and its exact JSON bytes.
    /// Preparing is the CPU-heavy part and needs no database, so callers do it concurrently
    /// before they queue for the single writer.
    public struct Prepared: Sendable {
        public let event: EPCISEvent
        public let eventID: String
        public let body: Data
        public let eventTime: String
        public let lot: String?

        public init(_ original: EPCISEvent, lot: String? = nil) {
            event = original.withHashEventID()
            eventID = event.eventID!
            body = event.jsonData()
            eventTime = EventTime.string(event.eventTime, offset: event.eventTimeZoneOffset)
            if case .object(let o) = event, let l = o.ilmd.lotNumber { self.lot = l } else { self.lot = lot }
        }
    }

    /// Appends events inside the caller's write transaction, so a state change and its event
    /// commit together or not at all. The CBV 2.0 hash becomes the `eventID`.
    public func append(_ events: [EPCISEvent], lot: String? = nil, in db: Database) throws -> [StoredEvent] {
        try append(prepared: events.map { Prepared($0, lot: lot) }, in: db)
    }

    /// Appends prepared events: assigns sequence numbers and links each into the chain.
    public func append(prepared items: [Prepared], in db: Database) throws -> [StoredEvent] {
        guard !items.isEmpty else { return [] }
        let last = try Row.fetchOne(db, sql: "SELECT seq, chain_hash, event_time FROM events ORDER BY seq DESC LIMIT 1")
        var seq: Int64 = last?["seq"] ?? 0
        var chain: String = last?["chain_hash"] ?? Self.genesis
        // Event times never go back along the chain: a clock set back (an NTP correction, a box
        // without an RTC battery) gives the next events the newest recorded time until it catches up.
        var newest: Date? = last.flatMap { store.clock.newestTime(seq: $0["seq"], text: $0["event_time"]) }
        let recordedAt = Timestamp.now()
        let insert = try db.cachedStatement(sql: """
            INSERT INTO events(seq, event_id, event_type, biz_step, event_time, recorded_at, lot, body, chain_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let index = try db.cachedStatement(sql: "INSERT OR IGNORE INTO event_epcs(epc, seq) VALUES (?, ?)")
        var out: [StoredEvent] = []
        out.reserveCapacity(items.count)
        for var p in items {
            if let floor = newest, p.event.eventTime < floor {
                store.clock.noteSetBack(floor.timeIntervalSince(p.event.eventTime), at: floor)
                p = Prepared(p.event.withEventTime(floor), lot: p.lot)
            }
            newest = max(newest ?? p.event.eventTime, p.event.eventTime)
            seq += 1
            chain = Self.link(previous: chain, eventID: p.eventID, body: p.body)
            let type = p.event.eventType.rawValue, step = p.event.bizStep?.rawValue
            try insert.execute(arguments: [seq, p.eventID, type, step, p.eventTime, recordedAt, p.lot, p.body, chain])
            for epc in p.event.identifiers { try index.execute(arguments: [epc, seq]) }
            out.append(StoredEvent(seq: seq, eventID: p.eventID, eventType: type, bizStep: step, eventTime: p.eventTime, body: p.body, chainHash: chain))
        }
        if let newest { store.clock.remember(seq: seq, time: newest) }
        return out
    }

    /// Appends events in their own durable transaction.
    public func append(_ events: [EPCISEvent], lot: String? = nil) throws -> [StoredEvent] {
        try store.pool.write { db in try append(events, lot: lot, in: db) }
    }

    static func link(previous: String, eventID: String, body: Data) -> String {
        var h = SHA256()
        h.update(data: Array(previous.utf8))
        h.update(data: Array(eventID.utf8))
        h.update(data: body)
        return hex(h.finalize())
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0f)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Re-walks the whole chain: each event's hash must match its content, each link its predecessor.
    public func verifyChain() throws -> ChainVerification {
        try store.pool.read { db in
            var previous = Self.genesis
            var count = 0
            var expectedSeq: Int64 = 1
            let cursor = try Row.fetchCursor(db, sql: "SELECT seq, event_id, body, chain_hash FROM events ORDER BY seq")
            while let row = try cursor.next() {
                let seq: Int64 = row["seq"]
                let id: String = row["event_id"]
                let body: Data = row["body"]
                if seq != expectedSeq {
                    return ChainVerification(eventsChecked: count, firstBrokenSeq: seq, problem: "event #\(expectedSeq) is missing")
                }
                let event: EPCISEvent
                do { event = try EPCISEvent(jsonData: body) } catch {
                    return ChainVerification(eventsChecked: count, firstBrokenSeq: seq, problem: "stored JSON no longer decodes: \(error)")
                }
                if event.eventHash().id != id {
                    return ChainVerification(eventsChecked: count, firstBrokenSeq: seq, problem: "content does not match its event hash \(id)")
                }
                let link = Self.link(previous: previous, eventID: id, body: body)
                if link != row["chain_hash"] as String {
                    return ChainVerification(eventsChecked: count, firstBrokenSeq: seq, problem: "chain hash does not follow from the previous event")
                }
                previous = link
                count += 1
                expectedSeq += 1
            }
            return ChainVerification(eventsChecked: count, firstBrokenSeq: nil, problem: nil)
        }
    }

    public func count() throws -> Int { try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM events") ?? 0 } }

    /// The time of the newest recorded event (events never go back in time along the chain).
    public func newestEventTime() throws -> Date? {
        try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT seq, event_time FROM events ORDER BY seq DESC LIMIT 1")
                .flatMap { store.clock.newestTime(seq: $0["seq"], text: $0["event_time"]) }
        }
    }

    /// The most recent clock set-back noticed while this process wrote events, if any.
    public var lastClockSetBack: EventClockGuard.ClockSetBack? { store.clock.lastSetBack }

    public func lastSeq() throws -> Int64 { try store.pool.read { try Int64.fetchOne($0, sql: "SELECT COALESCE(MAX(seq), 0) FROM events") ?? 0 } }

    /// Events in order after `seq` (the sync outbox reads this way).
    public func events(after seq: Int64, limit: Int) throws -> [StoredEvent] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, limit]).map(Self.stored)
        }
    }

    /// Events about one identifier (a stamp's EPC, a carton's SSCC), oldest first.
    public func events(identifier: String) throws -> [StoredEvent] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.* FROM event_epcs x JOIN events e ON e.seq = x.seq WHERE x.epc = ? ORDER BY e.seq
                """, arguments: [identifier]).map(Self.stored)
        }
    }

    /// Events filtered for export: by time range (ISO 8601 instants, compared with SQLite's julianday),
    /// by business step and by lot.
    public func events(from: String? = nil, to: String? = nil, bizStep: String? = nil, lot: String? = nil, limit: Int = 1_000_000) throws -> [StoredEvent] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM events
                WHERE (? IS NULL OR julianday(event_time) >= julianday(?))
                  AND (? IS NULL OR julianday(event_time) < julianday(?))
                  AND (? IS NULL OR biz_step = ?)
                  AND (? IS NULL OR lot = ?)
                ORDER BY seq LIMIT ?
                """, arguments: [from, from, to, to, bizStep, bizStep, lot, lot, limit]).map(Self.stored)
        }
    }

    static func stored(_ r: Row) -> StoredEvent {
        StoredEvent(seq: r["seq"], eventID: r["event_id"], eventType: r["event_type"], bizStep: r["biz_step"],
                    eventTime: r["event_time"], body: r["body"], chainHash: r["chain_hash"])
    }

    /// An EPCIS 2.0 document holding `events`.
    public static func document(_ events: [StoredEvent], creationDate: Date = Date()) throws -> EPCISDocument {
        EPCISDocument(creationDate: creationDate, events: try events.map { try $0.decoded() })
    }
}

extension EPCISEvent {
    /// Every identifier the event is about, for the index that finds an item's or a lot's events:
    /// instances (epcList, parentID, childEPCs) and classes (quantityList, childQuantityList: a
    /// class-level event such as a lot's recall).
    public var identifiers: [String] {
        switch self {
        case .object(let e): return e.epcList + e.quantityList.map(\.epcClass)
        case .aggregation(let e): return (e.parentID.map { [$0] } ?? []) + e.childEPCs + e.childQuantityList.map(\.epcClass)
        }
    }
}

/// Event times as EPCIS writes them: the local time of the offset, with milliseconds.
public enum EventTime {
    public static func string(_ date: Date, offset: TimeZoneOffset) -> String {
        // Half a microsecond up: a time parsed back from its own text ("…45.693") is 45.69299999…
        // as a Double and must not print as 45.692.
        let shifted = date.timeIntervalSince1970 + Double(offset.minutes * 60) + 0.000_000_5
        let whole = floor(shifted)
        var t = time_t(whole)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        let ms = min(999, Int(((shifted - whole) * 1000).rounded(.down)))
        var out = [UInt8]()
        out.reserveCapacity(29)
        func put(_ v: Int, _ width: Int) {
            var d = [UInt8](repeating: 0x30, count: width)
            var x = v
            for i in stride(from: width - 1, through: 0, by: -1) { d[i] = UInt8(0x30 + x % 10); x /= 10 }
            out += d
        }
        put(Int(tmv.tm_year) + 1900, 4); out.append(0x2D); put(Int(tmv.tm_mon) + 1, 2); out.append(0x2D); put(Int(tmv.tm_mday), 2)
        out.append(0x54); put(Int(tmv.tm_hour), 2); out.append(0x3A); put(Int(tmv.tm_min), 2); out.append(0x3A); put(Int(tmv.tm_sec), 2)
        out.append(0x2E); put(ms, 3)
        return String(decoding: out, as: UTF8.self) + offset.rawValue
    }
}
