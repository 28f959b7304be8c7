import EPCIS
import Foundation
import GRDB
import GS1

/// Who and where: stamped into every event this station records.
public struct StationIdentity: Sendable, Equatable {
    public let stationID: String
    public let gln: String
    public let readPoint: String
    public let offset: TimeZoneOffset
    public let resolver: String

    /// `https://id.gs1.org/414/<gln>/254/<ext>`: this line or door.
    public let readPointURI: String
    /// `https://id.gs1.org/414/<gln>`: the site.
    public let bizLocationURI: String

    public init(stationID: String, gln: String, readPoint: String, offset: TimeZoneOffset = .vietnam, resolver: String) {
        self.stationID = stationID; self.gln = gln; self.readPoint = readPoint; self.offset = offset; self.resolver = resolver
        readPointURI = "https://id.gs1.org/414/\(gln)/254/\(DigitalLinkText.encode(readPoint))"
        bizLocationURI = "https://id.gs1.org/414/\(gln)"
    }
}

/// The life of one stamp serial (after OPEN-SCS PSS): reserved → sent (bytes left for the printer)
/// → commissioned (printed, event recorded); or voided; `uncertain` when the printer failed
/// mid-window and an operator must confirm or void it.
public enum SerialState: String, Sendable, Codable, CaseIterable {
    case sent, commissioned, voided, uncertain, encoded
}

/// One stamp: product, batch and serial.
public struct Stamp: Sendable, Equatable {
    public let gtin: String
    public let serial: String
    public let batchID: Int64
    public let lot: String
    public let expiry: String?
    public let state: SerialState?
    public let reprints: Int

    /// The canonical EPC of the stamp in events: `https://id.gs1.org/01/<gtin>/21/<serial>`.
    public var epc: String { Stamp.epc(gtin: gtin, serial: serial) }

    public static func epc(gtin: String, serial: String) -> String {
        "https://id.gs1.org/01/\(gtin)/21/\(DigitalLinkText.encode(serial))"
    }

    /// GTIN and serial of a canonical stamp EPC, or nil for anything else.
    public static func parseEPC(_ epc: String) -> (gtin: String, serial: String)? {
        let prefix = "https://id.gs1.org/01/"
        guard epc.hasPrefix(prefix) else { return nil }
        let parts = epc.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1] == "21", parts[0].count == 14, let serial = String(parts[2]).removingPercentEncoding else { return nil }
        return (String(parts[0]), serial)
    }
}

public enum LedgerError: Error, Equatable, CustomStringConvertible {
    case unknownSerial(gtin: String, serial: String)
    case notReserved(gtin: String, serial: String)
    case alreadyCommissioned(serial: String)
    case alreadyVoided(serial: String)
    case notCommissioned(serial: String, state: String)
    case reprintLimit(serial: String, limit: Int)
    case reasonRequired

    public var description: String {
        switch self {
        case .unknownSerial(let g, let s): return "serial \(s) of \(g) was never issued by this station"
        case .notReserved(let g, let s): return "serial \(s) of \(g) is not part of any reservation"
        case .alreadyCommissioned(let s): return "stamp \(s) is already commissioned; a second print is a reprint (with a reason)"
        case .alreadyVoided(let s): return "stamp \(s) is void and cannot be used again"
        case .notCommissioned(let s, let st): return "stamp \(s) is \(st), not commissioned: only printed stamps can be reprinted"
        case .reprintLimit(let s, let l): return "stamp \(s) was already reprinted \(l) time(s), the limit; void it and print a new one"
        case .reasonRequired: return "a reason is required (it goes into the event)"
        }
    }
}

/// Serial states and the events that record them, changed together in one transaction so that
/// a state never exists without its event (and the reverse).
public struct StampLedger: Sendable {
    public let store: StationStore
    public let events: EventStore
    public let identity: StationIdentity
    public var maxReprints = 2

    public init(store: StationStore, identity: StationIdentity) {
        self.store = store
        self.identity = identity
        events = EventStore(store: store, stationID: identity.stationID)
    }

    func stationFields(operatorID: String?, reprintOf: String? = nil, reason: String? = nil) -> StationFields {
        StationFields(stationID: identity.stationID, operatorID: operatorID, reprintOf: reprintOf, reason: reason)
    }

    struct BatchInfo { let gtin: String; let lot: String; let expiry: String? }

    func batchInfo(_ db: Database, _ batchID: Int64) throws -> BatchInfo {
        guard let r = try Row.fetchOne(db, sql: "SELECT gtin, lot, expiry_date FROM batches WHERE id = ?", arguments: [batchID]) else {
            throw CatalogError.unknownBatch(String(batchID))
        }
        return BatchInfo(gtin: r["gtin"], lot: r["lot"], expiry: r["expiry_date"])
    }

    /// Marks serials as sent to a printer (no event yet: nothing is known to be on paper).
    public func markSent(_ reservation: Reservation, indices: Range<Int>) throws {
        try store.pool.write { db in
            let st = try db.cachedStatement(sql: """
                INSERT INTO serial_states(gtin, serial, batch_id, reservation_id, state, updated_at) VALUES (?, ?, ?, ?, 'sent', ?)
                ON CONFLICT(gtin, serial) DO UPDATE SET state = 'sent', updated_at = excluded.updated_at WHERE state IN ('sent', 'uncertain')
                """)
            let now = Timestamp.now()
            for i in indices { try st.execute(arguments: [reservation.gtin, reservation.serial(at: i), reservation.batchID, reservation.id, now]) }
        }
    }

    /// Marks sent serials whose fate is unknown (the printer died mid-window) for the operator.
    public func markUncertain(_ reservation: Reservation, indices: Range<Int>) throws {
        try store.pool.write { db in
            let now = Timestamp.now()
            for i in indices {
                try db.execute(sql: "UPDATE serial_states SET state = 'uncertain', updated_at = ? WHERE gtin = ? AND serial = ? AND state = 'sent'",
                               arguments: [now, reservation.gtin, reservation.serial(at: i)])
            }
        }
    }

    /// Records that the stamps `indices` of a reservation are on paper: one commissioning event
    /// per stamp (ObjectEvent ADD, commissioning, active, lot and expiry in ILMD).
    @discardableResult
    public func commission(_ reservation: Reservation, indices: Range<Int>, operatorID: String? = nil, at time: Date = Date()) throws -> [StoredEvent] {
        let info = try store.pool.read { db in try batchInfo(db, reservation.batchID) }
        let serials = indices.map(reservation.serial(at:))
        // Hash and encode before taking the write lock.
        let prepared = serials.map { serial in
            EventStore.Prepared(commissioningEvent(gtin: reservation.gtin, serial: serial, info: info, operatorID: operatorID, at: time), lot: info.lot)
        }
        return try store.pool.write { db in
            let now = Timestamp.now()
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO serial_states(gtin, serial, batch_id, reservation_id, state, updated_at) VALUES (?, ?, ?, ?, 'commissioned', ?)
                ON CONFLICT(gtin, serial) DO UPDATE SET state = 'commissioned', updated_at = excluded.updated_at
                  WHERE state IN ('sent', 'uncertain', 'encoded')
                """)
            for serial in serials {
                try upsert.execute(arguments: [reservation.gtin, serial, reservation.batchID, reservation.id, now])
                if db.changesCount == 0 {
                    let st = try String.fetchOne(db, sql: "SELECT state FROM serial_states WHERE gtin = ? AND serial = ?", arguments: [reservation.gtin, serial])
                    throw st == "voided" ? LedgerError.alreadyVoided(serial: serial) : LedgerError.alreadyCommissioned(serial: serial)
                }
            }
            let stored = try events.append(prepared: prepared, in: db)
            try setLastEvents(db, gtin: reservation.gtin, serials: serials, stored: stored)
            return stored
        }
    }

    /// A stamp put on an item: ObjectEvent ADD, commissioning, active, the batch's lot and expiry in ILMD.
    func commissioningEvent(gtin: String, serial: String, info: BatchInfo, operatorID: String?, at time: Date) -> EPCISEvent {
        .object(ObjectEvent(
            eventTime: time, eventTimeZoneOffset: identity.offset,
            epcList: [Stamp.epc(gtin: gtin, serial: serial)], action: .add,
            bizStep: .commissioning, disposition: .active,
            readPoint: identity.readPointURI, bizLocation: identity.bizLocationURI,
            ilmd: ILMD(lotNumber: info.lot, itemExpirationDate: info.expiry),
            station: stationFields(operatorID: operatorID)))
    }

    /// A stamp taken out of use: ObjectEvent DELETE, decommissioning, inactive, with the reason.
    func decommissioningEvent(epc: String, reason: String, operatorID: String?, at time: Date) -> EPCISEvent {
        .object(ObjectEvent(
            eventTime: time, eventTimeZoneOffset: identity.offset, epcList: [epc],
            action: .delete, bizStep: .decommissioning, disposition: .inactive,
            readPoint: identity.readPointURI, bizLocation: identity.bizLocationURI,
            station: stationFields(operatorID: operatorID, reason: reason)))
    }

    func setLastEvents(_ db: Database, gtin: String, serials: [String], stored: [StoredEvent]) throws {
        let st = try db.cachedStatement(sql: "UPDATE serial_states SET last_event_id = ? WHERE gtin = ? AND serial = ?")
        for (s, e) in zip(serials, stored) { try st.execute(arguments: [e.eventID, gtin, s]) }
    }

    /// The current state of a stamp, or nil if this station never issued it.
    public func stamp(gtin: String, serial: String) throws -> Stamp? {
        try store.pool.read { db in try stamp(db, gtin: gtin, serial: serial) }
    }

    func stamp(_ db: Database, gtin: String, serial: String) throws -> Stamp? {
        if let r = try Row.fetchOne(db, sql: """
            SELECT s.state, s.reprints, s.batch_id, b.lot, b.expiry_date FROM serial_states s JOIN batches b ON b.id = s.batch_id
            WHERE s.gtin = ? AND s.serial = ?
            """, arguments: [gtin, serial]) {
            return Stamp(gtin: gtin, serial: serial, batchID: r["batch_id"], lot: r["lot"], expiry: r["expiry_date"],
                         state: SerialState(rawValue: r["state"]), reprints: r["reprints"])
        }
        return nil
    }

    /// Voids a stamp with a reason: ObjectEvent DELETE, decommissioning, inactive.
    /// Works for printed stamps and for reserved ones that never reached paper.
    @discardableResult
    public func void(_ reservation: Reservation?, gtin: String, serial: String, reason: String, operatorID: String? = nil,
                     at time: Date = Date()) throws -> StoredEvent {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw LedgerError.reasonRequired }
        return try store.pool.write { db in
            let existing = try stamp(db, gtin: gtin, serial: serial)
            if existing?.state == .voided { throw LedgerError.alreadyVoided(serial: serial) }
            let batchID: Int64
            if let existing { batchID = existing.batchID } else if let reservation { batchID = reservation.batchID } else {
                throw LedgerError.unknownSerial(gtin: gtin, serial: serial)
            }
            let info = try batchInfo(db, batchID)
            try db.execute(sql: """
                INSERT INTO serial_states(gtin, serial, batch_id, reservation_id, state, updated_at) VALUES (?, ?, ?, ?, 'voided', ?)
                ON CONFLICT(gtin, serial) DO UPDATE SET state = 'voided', updated_at = excluded.updated_at
                """, arguments: [gtin, serial, batchID, reservation?.id, Timestamp.now()])
            let e = decommissioningEvent(epc: Stamp.epc(gtin: gtin, serial: serial), reason: reason, operatorID: operatorID, at: time)
            let stored = try events.append([e], lot: info.lot, in: db)
            try setLastEvents(db, gtin: gtin, serials: [serial], stored: stored)
            return stored[0]
        }
    }

    /// Reprints a commissioned stamp (same serial): a commissioning event marked `reprintOf` the
    /// stamp's first commissioning event, with the operator's reason. At most ``maxReprints``.
    @discardableResult
    public func reprint(gtin: String, serial: String, reason: String, operatorID: String? = nil, at time: Date = Date()) throws -> StoredEvent {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw LedgerError.reasonRequired }
        return try store.pool.write { db in
            guard let s = try stamp(db, gtin: gtin, serial: serial) else { throw LedgerError.unknownSerial(gtin: gtin, serial: serial) }
            guard s.state == .commissioned else { throw LedgerError.notCommissioned(serial: serial, state: s.state?.rawValue ?? "unknown") }
            guard s.reprints < maxReprints else { throw LedgerError.reprintLimit(serial: serial, limit: maxReprints) }
            let epc = Stamp.epc(gtin: gtin, serial: serial)
            let original = try String.fetchOne(db, sql: """
                SELECT e.event_id FROM event_epcs x JOIN events e ON e.seq = x.seq
                WHERE x.epc = ? AND e.biz_step = 'commissioning' ORDER BY e.seq LIMIT 1
                """, arguments: [epc])
            let e = EPCISEvent.object(ObjectEvent(
                eventTime: time, eventTimeZoneOffset: identity.offset, epcList: [epc], action: .add,
                bizStep: .commissioning, disposition: .active, readPoint: identity.readPointURI, bizLocation: identity.bizLocationURI,
                ilmd: ILMD(lotNumber: s.lot, itemExpirationDate: s.expiry),
                station: stationFields(operatorID: operatorID, reprintOf: original, reason: reason)))
            let stored = try events.append([e], lot: s.lot, in: db)
            try db.execute(sql: "UPDATE serial_states SET reprints = reprints + 1, last_event_id = ?, updated_at = ? WHERE gtin = ? AND serial = ?",
                           arguments: [stored[0].eventID, Timestamp.now(), gtin, serial])
            return stored[0]
        }
    }

    /// What a scan at a door or desk means.
    public enum Observation: String, Sendable, CaseIterable {
        case receiving, shipping, inspecting

        var bizStep: BizStep { switch self { case .receiving: .receiving; case .shipping: .shipping; case .inspecting: .inspecting } }
        var disposition: Disposition {
            switch self { case .receiving: .inProgress; case .shipping: .inTransit; case .inspecting: .conformant }
        }
    }

    /// Records goods seen at this read point: ObjectEvent OBSERVE with the observation's step.
    @discardableResult
    public func observe(_ kind: Observation, epcs: [String], lot: String? = nil, disposition: Disposition? = nil,
                        reason: String? = nil, operatorID: String? = nil, at time: Date = Date()) throws -> StoredEvent {
        let e = EPCISEvent.object(ObjectEvent(
            eventTime: time, eventTimeZoneOffset: identity.offset, epcList: epcs, action: .observe,
            bizStep: kind.bizStep, disposition: disposition ?? kind.disposition,
            readPoint: identity.readPointURI, bizLocation: identity.bizLocationURI,
            station: stationFields(operatorID: operatorID, reason: reason)))
        return try store.pool.write { db in try events.append([e], lot: lot ?? commonLot(db, epcs: epcs), in: db)[0] }
    }

    /// The lot of the stamps named by `epcs` when they all belong to one known lot.
    func commonLot(_ db: Database, epcs: [String]) throws -> String? {
        var lots = Set<String>()
        for epc in epcs {
            guard let (gtin, serial) = Stamp.parseEPC(epc), let s = try stamp(db, gtin: gtin, serial: serial) else { return nil }
            lots.insert(s.lot)
        }
        return lots.count == 1 ? lots.first : nil
    }

    /// Records items packed into a carton: AggregationEvent ADD, packing, parent = the carton's SSCC.
    @discardableResult
    public func pack(sscc: String, children: [String], operatorID: String? = nil, at time: Date = Date()) throws -> StoredEvent {
        let e = EPCISEvent.aggregation(AggregationEvent(
            eventTime: time, eventTimeZoneOffset: identity.offset, parentID: "https://id.gs1.org/00/\(sscc)", childEPCs: children,
            action: .add, bizStep: .packing, disposition: .inProgress,
            readPoint: identity.readPointURI, bizLocation: identity.bizLocationURI,
            station: stationFields(operatorID: operatorID)))
        return try events.append([e])[0]
    }
}

/// Percent-encoding of a value inside a GS1 Digital Link path segment.
public enum DigitalLinkText {
    public static func encode(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
    static let allowed: CharacterSet = {
        var c = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        c.insert(charactersIn: "-._~")
        return c
    }()
}

extension StampLedger {
    /// Forgets that never-attempted serials were "sent" (their bytes were never written), so they
    /// are reserved-unused again and can be voided or used.
    public func unmarkSent(_ reservation: Reservation, indices: Range<Int>) throws {
        guard !indices.isEmpty else { return }
        try store.pool.write { db in
            for i in indices {
                try db.execute(sql: "DELETE FROM serial_states WHERE gtin = ? AND serial = ? AND state = 'sent' AND last_event_id IS NULL",
                               arguments: [reservation.gtin, reservation.serial(at: i)])
            }
        }
    }

    /// States of every serial of a reservation (nil = reserved, never used).
    public func states(of reservation: Reservation) throws -> [SerialState?] {
        try store.pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT serial, state FROM serial_states WHERE gtin = ? AND reservation_id = ?",
                                        arguments: [reservation.gtin, reservation.id])
            var map: [String: SerialState] = [:]
            for r in rows { map[r["serial"]] = SerialState(rawValue: r["state"]) }
            return reservation.serials.map { map[$0] }
        }
    }

    /// Voids every serial of a reservation that never reached a printer, so no reserved serial is
    /// left unaccounted for (each ends printed or void).
    @discardableResult
    public func voidUnused(_ reservation: Reservation, reason: String, operatorID: String? = nil) throws -> Int {
        var n = 0
        for (i, s) in try states(of: reservation).enumerated() where s == nil {
            try void(reservation, gtin: reservation.gtin, serial: reservation.serial(at: i), reason: reason, operatorID: operatorID)
            n += 1
        }
        return n
    }
}
