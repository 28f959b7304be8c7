import EPCIS
import Foundation
import GRDB

/// A batch taken off the market: every item of it, printed already or not, is to be withdrawn.
public struct BatchRecall: Sendable, Equatable, Codable {
    public let batchID: Int64
    public let gtin: String
    public let lot: String
    public let reason: String
    public let recalledAt: String
    public let operatorID: String?
    /// The recall event (ObjectEvent OBSERVE, holding, disposition recalled, the lot as a class).
    public let eventID: String
}

public enum RecallError: Error, Equatable, CustomStringConvertible {
    case reasonRequired
    case alreadyRecalled(lot: String, at: String)

    public var description: String {
        switch self {
        case .reasonRequired: return "a recall needs a reason (it goes into the recall event and every verdict)"
        case .alreadyRecalled(let lot, let at): return "batch \(lot) was already recalled at \(at)"
        }
    }

    public var vietnamese: String {
        switch self {
        case .reasonRequired: return "Cần ghi lý do thu hồi."
        case .alreadyRecalled(let lot, let at): return "Lô \(lot) đã được thu hồi lúc \(at)."
        }
    }
}

extension Stamp {
    /// The EPC class of a lot, as EPCIS 2.0 writes it (`https://id.gs1.org/01/<gtin>/10/<lot>`):
    /// what a class-level event such as a recall names instead of each serial.
    public static func lotClass(gtin: String, lot: String) -> String {
        "https://id.gs1.org/01/\(gtin)/10/\(DigitalLinkText.encode(lot))"
    }

    /// GTIN and lot of a canonical lot class, or nil for anything else.
    public static func parseLotClass(_ id: String) -> (gtin: String, lot: String)? {
        let prefix = "https://id.gs1.org/01/"
        guard id.hasPrefix(prefix) else { return nil }
        let parts = id.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1] == "10", parts[0].count == 14, let lot = String(parts[2]).removingPercentEncoding, !lot.isEmpty else { return nil }
        return (String(parts[0]), lot)
    }
}

extension StampLedger {
    /// The schema of migration `v6-recalls` (released: never edit, add a new migration instead).
    static func migrateRecalls(_ db: Database) throws {
        try db.execute(sql: """
            -- A batch recalled: its stamps verify as recalled, it takes no more prints or activations.
            CREATE TABLE batch_recalls (
              batch_id INTEGER PRIMARY KEY REFERENCES batches(id),
              reason TEXT NOT NULL,
              operator TEXT,
              recalled_at TEXT NOT NULL,
              event_id TEXT NOT NULL);
            """)
    }

    /// Recalls a batch: one class-level ObjectEvent (OBSERVE, bizStep holding, disposition
    /// recalled, the lot in `quantityList`, the reason in the station fields) and the batch closed,
    /// in one transaction. Every stamp of the lot then verifies as recalled, here and, once the
    /// event is synced, on the trace-server.
    @discardableResult
    public func recall(batchID: Int64, reason: String, operatorID: String? = nil, at time: Date = Date()) throws -> BatchRecall {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw RecallError.reasonRequired }
        return try store.pool.write { db in
            let info = try batchInfo(db, batchID)
            if let r = try Self.recall(db, batchID: batchID) { throw RecallError.alreadyRecalled(lot: r.lot, at: r.recalledAt) }
            let e = EPCISEvent.object(ObjectEvent(
                eventTime: time, eventTimeZoneOffset: identity.offset,
                quantityList: [QuantityElement(epcClass: Stamp.lotClass(gtin: info.gtin, lot: info.lot))], action: .observe,
                bizStep: .holding, disposition: .recalled,
                readPoint: identity.readPointURI, bizLocation: identity.bizLocationURI,
                station: stationFields(operatorID: operatorID, reason: reason)))
            let stored = try events.append([e], lot: info.lot, in: db)
            let now = Timestamp.now()
            try db.execute(sql: "INSERT INTO batch_recalls(batch_id, reason, operator, recalled_at, event_id) VALUES (?, ?, ?, ?, ?)",
                           arguments: [batchID, reason, operatorID, now, stored[0].eventID])
            try db.execute(sql: "UPDATE batches SET status = 'closed', closed_at = COALESCE(closed_at, ?) WHERE id = ?", arguments: [now, batchID])
            return BatchRecall(batchID: batchID, gtin: info.gtin, lot: info.lot, reason: reason, recalledAt: now,
                               operatorID: operatorID, eventID: stored[0].eventID)
        }
    }

    /// The recall of a batch, or nil when it was not recalled.
    public func recall(batchID: Int64) throws -> BatchRecall? {
        try store.pool.read { db in try Self.recall(db, batchID: batchID) }
    }

    /// Every recall, oldest first.
    public func recalls() throws -> [BatchRecall] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.*, b.gtin, b.lot FROM batch_recalls r JOIN batches b ON b.id = r.batch_id ORDER BY r.recalled_at, r.batch_id
                """).map(Self.recall)
        }
    }

    static func recall(_ db: Database, batchID: Int64) throws -> BatchRecall? {
        try Row.fetchOne(db, sql: """
            SELECT r.*, b.gtin, b.lot FROM batch_recalls r JOIN batches b ON b.id = r.batch_id WHERE r.batch_id = ?
            """, arguments: [batchID]).map(recall)
    }

    static func recall(_ r: Row) -> BatchRecall {
        BatchRecall(batchID: r["batch_id"], gtin: r["gtin"], lot: r["lot"], reason: r["reason"], recalledAt: r["recalled_at"],
                    operatorID: r["operator"], eventID: r["event_id"])
    }
}
