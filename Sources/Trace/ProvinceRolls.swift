import EPCIS
import Foundation
import GRDB
import GS1

/// The code on a stamp of a province roll: issued before anyone knows which product it will go
/// on, so it cannot carry a GTIN. Each stamp is a GIAI (AI 8004, Global Individual Asset
/// Identifier): the province's GS1 company prefix followed by a serial this station allocated,
/// printed as `https://<resolver>/8004/<giai>?92=<tag>`. The tag is the HMAC of `8004|<giai>`
/// under the province's tag keys (a GTIN is 14 digits, so no product stamp's message can equal it).
///
/// At activation the stamp is bound to an item of the batch being packed: the item gets a serial
/// of that product like a printed stamp, and the commissioning event names both (the item's
/// SGTIN and the stamp's GIAI), so the station and the trace-server can go from the stamp to the
/// item and its history.
public enum ProvinceStampCode {
    public static let keyAI = "8004"
    /// The first part of the tag's message, in place of a GTIN.
    public static let tagDomain = "8004"

    /// GS1 company prefixes are 6 to 12 digits.
    public static func isCompanyPrefix(_ p: String) -> Bool {
        (6...12).contains(p.utf8.count) && p.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }

    /// The EPC of a GIAI, as EPCIS 2.0 writes it.
    public static func epc(giai: String) -> String { "https://id.gs1.org/8004/" + DigitalLinkText.encode(giai) }

    /// The GIAI of a canonical GIAI EPC, or nil for anything else.
    public static func parseEPC(_ epc: String) -> String? {
        let prefix = "https://id.gs1.org/8004/"
        guard epc.hasPrefix(prefix) else { return nil }
        return String(epc.dropFirst(prefix.count)).removingPercentEncoding
    }

    static func message(giai: String, tag: String) throws -> GS1Message {
        try GS1Message([try GS1Element(ai: keyAI, value: giai), try GS1Element(ai: StampCode.tagAI, value: tag)])
    }

    /// `https://<resolver>/8004/<giai>?92=<tag>`.
    public static func link(resolver: String, giai: String, tag: String) throws -> String {
        try DigitalLink(try message(giai: giai, tag: tag), resolver: resolver).uri
    }

    /// The same as a GS1 element string (for a Data Matrix).
    public static func elementString(giai: String, tag: String) throws -> String {
        try message(giai: giai, tag: tag).elementString()
    }

    /// The GIAI and tag of scanned text, when it is a province stamp (a GIAI in any GS1 form).
    public static func parse(_ text: String) -> (giai: String, tag: String?)? {
        (try? ScannedGS1(parsing: text)).flatMap(stamp)
    }

    /// The GIAI and tag of a scanned code, when it is a province stamp (a GIAI and no GTIN).
    public static func stamp(_ scanned: ScannedGS1) -> (giai: String, tag: String?)? {
        guard let giai = scanned.message[keyAI], scanned.message["01"] == nil else { return nil }
        return (giai, scanned.message[StampCode.tagAI])
    }
}

extension StampRolls {
    /// The schema of migration `v7-province-rolls` (released: never edit, add a new migration instead).
    /// Rolls may have no product; a province stamp keeps its GIAI and, once activated, its item.
    static func migrateProvinceRolls(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE rolls_v7 (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              -- The product of a product roll; NULL for a province roll.
              gtin TEXT REFERENCES products(gtin),
              -- The GS1 company prefix of a province roll's GIAIs; NULL for a product roll.
              company_prefix TEXT,
              count INTEGER NOT NULL CHECK (count > 0),
              province TEXT NOT NULL,
              resolver TEXT NOT NULL,
              template TEXT NOT NULL,
              operator TEXT,
              created_at TEXT NOT NULL,
              voided_at TEXT,
              void_reason TEXT,
              CHECK ((gtin IS NULL) <> (company_prefix IS NULL)));
            INSERT INTO rolls_v7(id, gtin, company_prefix, count, province, resolver, template, operator, created_at, voided_at, void_reason)
              SELECT id, gtin, NULL, count, province, resolver, template, operator, created_at, voided_at, void_reason FROM rolls;
            DROP TABLE rolls;
            ALTER TABLE rolls_v7 RENAME TO rolls;
            -- A province stamp: gtin '' and its serial; its GIAI; the item it was activated onto.
            ALTER TABLE roll_stamps ADD COLUMN giai TEXT;
            ALTER TABLE roll_stamps ADD COLUMN item_gtin TEXT;
            ALTER TABLE roll_stamps ADD COLUMN item_serial TEXT;
            CREATE UNIQUE INDEX roll_stamps_by_giai ON roll_stamps(giai) WHERE giai IS NOT NULL;
            """)
    }

    /// The serial space province rolls draw from: one per company prefix, apart from every product's.
    static func provinceSerialKey(companyPrefix: String) -> String { "8004:" + companyPrefix }

    /// Issues a province roll: `count` GIAIs (company prefix + a new serial), durably, each with its
    /// tag, in the state *encoded*. No product and no event: nothing is on an item yet.
    public func issueProvince(companyPrefix: String, count: Int, province: String, resolver: String, template: String,
                              operatorID: String? = nil) throws -> StampRoll {
        guard (1...Self.maxCount).contains(count) else { throw RollError.invalidCount(count) }
        guard ProvinceStampCode.isCompanyPrefix(companyPrefix) else { throw RollError.invalidCompanyPrefix(companyPrefix) }
        guard allocator.policy == .local else { throw RollError.provinceRollWithServerSerials }
        let key = Self.provinceSerialKey(companyPrefix: companyPrefix)
        let codec = allocator.codec(gtin: key, format: .random)
        let id: Int64 = try store.pool.write { db in
            let ranges = try allocator.takeRanges(db, gtin: key, format: .random, count: count)
            let now = Timestamp.now()
            try db.execute(sql: """
                INSERT INTO rolls(gtin, company_prefix, count, province, resolver, template, operator, created_at) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [companyPrefix, count, province, resolver, template, operatorID, now])
            let id = db.lastInsertedRowID
            let insert = try db.cachedStatement(sql: """
                INSERT INTO roll_stamps(gtin, serial, giai, roll_id, position, tag, state, updated_at) VALUES ('', ?, ?, ?, ?, ?, 'encoded', ?)
                """)
            var position = 0
            for r in ranges {
                for c in r.start..<(r.start + UInt64(r.count)) {
                    position += 1
                    let serial = codec.serial(counter: c)
                    let giai = companyPrefix + serial
                    try insert.execute(arguments: [serial, giai, id, position, try tagger.tag(gtin14: ProvinceStampCode.tagDomain, serial: giai), now])
                }
            }
            return id
        }
        guard let roll = try roll(id: id) else { throw RollError.unknownRoll(id) }
        return roll
    }

    /// The province stamp with this GIAI, or nil when it is on no roll of this station.
    public func stamp(giai: String) throws -> RollStamp? {
        try store.pool.read { db in try Self.stamp(db, giai: giai) }
    }

    static func stamp(_ db: Database, giai: String) throws -> RollStamp? {
        try Row.fetchOne(db, sql: "SELECT * FROM roll_stamps WHERE giai = ?", arguments: [giai]).map(stamp)
    }

    /// The open batch a province stamp is activated into: the batch `lot` when given (it must be
    /// open), otherwise the station's only open batch.
    public func provinceActivationBatch(lot: String?) throws -> Batch {
        let catalog = Catalog(store: store)
        if let lot, !lot.isEmpty {
            let b: Batch
            do { b = try catalog.batch(named: lot) } catch {
                throw RollError.batchNotUsable(lot: lot, reason: "không có lô này tại trạm")
            }
            guard b.status == .open else { throw RollError.batchNotUsable(lot: lot, reason: "lô đã đóng") }
            return b
        }
        let open = try catalog.batches(status: .open)
        guard let first = open.first else { throw RollError.noOpenBatch(gtin: nil) }
        guard open.count == 1 else { throw RollError.ambiguousBatch(gtin: nil, lots: open.map(\.lot)) }
        return first
    }

    /// Activates a province stamp on an item of `batchID`, in one transaction: a serial of the
    /// batch's product is reserved for the item, and one commissioning event (lot and expiry of the
    /// batch) names the item's SGTIN and the stamp's GIAI. Returns the event and the item.
    @discardableResult
    public func activateProvince(giai: String, batchID: Int64, operatorID: String? = nil, at time: Date = Date()) throws
        -> (event: StoredEvent, gtin: String, serial: String) {
        try store.pool.write { db in
            guard let s = try Self.stamp(db, giai: giai) else {
                throw RollError.notInRoll(gtin: ProvinceStampCode.keyAI, serial: giai, printedHere: false)
            }
            switch s.state {
            case .encoded: break
            case .voided: throw RollError.stampVoided(serial: giai, rollID: s.rollID)
            case .commissioned:
                throw RollError.alreadyActivated(serial: giai, lot: try s.batchID.map { try ledger.batchInfo(db, $0).lot } ?? "?")
            }
            let info = try ledger.batchInfo(db, batchID)
            let reservation = try allocator.reserve(db, batchID: batchID, count: 1, purpose: "activation of province stamp \(giai)")
            let serial = reservation.serial(at: 0)
            let now = Timestamp.now()
            try db.execute(sql: """
                INSERT INTO serial_states(gtin, serial, batch_id, reservation_id, state, updated_at) VALUES (?, ?, ?, ?, 'commissioned', ?)
                """, arguments: [info.gtin, serial, batchID, reservation.id, now])
            let event = EPCISEvent.object(ObjectEvent(
                eventTime: time, eventTimeZoneOffset: ledger.identity.offset,
                epcList: [Stamp.epc(gtin: info.gtin, serial: serial), ProvinceStampCode.epc(giai: giai)], action: .add,
                bizStep: .commissioning, disposition: .active,
                readPoint: ledger.identity.readPointURI, bizLocation: ledger.identity.bizLocationURI,
                ilmd: ILMD(lotNumber: info.lot, itemExpirationDate: info.expiry),
                station: ledger.stationFields(operatorID: operatorID)))
            let stored = try ledger.events.append([event], lot: info.lot, in: db)
            try ledger.setLastEvents(db, gtin: info.gtin, serials: [serial], stored: stored)
            try db.execute(sql: """
                UPDATE roll_stamps SET state = 'commissioned', batch_id = ?, item_gtin = ?, item_serial = ?, last_event_id = ?, updated_at = ?
                WHERE giai = ?
                """, arguments: [batchID, info.gtin, serial, stored[0].eventID, now, giai])
            return (stored[0], info.gtin, serial)
        }
    }
}
