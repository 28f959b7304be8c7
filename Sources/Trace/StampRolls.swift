import EPCIS
import Foundation
import GRDB
import GS1

/// A roll of pre-printed stamps printed by a print shop and activated one by one when the packing
/// line applies them: issued in advance for one product (its stamps are that product's serials),
/// or for the province without a product (each stamp a GIAI, bound to an item of whatever batch
/// it is activated into; see ``ProvinceStampCode``).
public struct StampRoll: Sendable, Equatable, Codable {
    /// Where a roll is in its life, derived from its stamps.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// No stamp activated yet.
        case issued
        case partlyUsed = "partly_used"
        /// Every stamp activated (or voided after activation).
        case usedUp = "used_up"
        /// Declared lost: its unused stamps are void.
        case voided

        /// The operator's word for it.
        public var vietnamese: String {
            switch self {
            case .issued: "mới phát hành"
            case .partlyUsed: "đang dùng"
            case .usedUp: "đã dùng hết"
            case .voided: "đã hủy (mất cuộn)"
            }
        }
    }

    public let id: Int64
    /// The product of a product roll; nil for a province roll.
    public let gtin: String?
    /// The GS1 company prefix a province roll's GIAIs start with; nil for a product roll.
    public let companyPrefix: String?
    public let count: Int
    /// The province printed on the stamps (free text, may be empty).
    public let province: String
    /// The Digital Link host of the stamps (`resolver.base` when the roll was issued).
    public let resolver: String
    /// The label template the stamps were drawn with.
    public let template: String
    public let createdAt: String
    public let voidedAt: String?
    public let voidReason: String?
    /// Stamps activated on items and still in use.
    public let active: Int
    /// Stamps not yet activated (and not void).
    public let unused: Int
    /// Stamps voided (unused ones of a lost roll, or activated ones voided later).
    public let void: Int

    public var status: Status {
        if voidedAt != nil { return .voided }
        if unused == count { return .issued }
        return unused == 0 ? .usedUp : .partlyUsed
    }
}

/// One stamp of a roll, as the manifest lists it.
public struct RollStamp: Sendable, Equatable {
    public enum State: String, Sendable, Codable { case encoded, commissioned, voided }
    public let rollID: Int64
    /// 1-based place on the roll (the print order).
    public let position: Int
    /// The product of a product roll's stamp; empty for a province stamp.
    public let gtin: String
    /// The serial printed on the stamp (for a province stamp, the part of its GIAI after the company prefix).
    public let serial: String
    /// A province stamp's GIAI (AI 8004), its identity on paper.
    public let giai: String?
    /// The item an activated province stamp identifies (a serial of the batch's product, drawn at activation).
    public let itemGTIN: String?
    public let itemSerial: String?
    /// The authenticity tag printed with it (AI 92).
    public let tag: String
    public let state: State
    /// The batch it was activated into.
    public let batchID: Int64?
}

/// Why a roll operation or an activation was refused. `vietnamese` is what the operator sees.
public enum RollError: Error, Equatable, CustomStringConvertible {
    case unknownRoll(Int64)
    case rollVoided(Int64)
    case reasonRequired
    case invalidCount(Int)
    case notInRoll(gtin: String, serial: String, printedHere: Bool)
    case alreadyActivated(serial: String, lot: String)
    case stampVoided(serial: String, rollID: Int64)
    case noOpenBatch(gtin: String?)
    case ambiguousBatch(gtin: String?, lots: [String])
    case invalidCompanyPrefix(String)
    case provinceRollWithServerSerials
    case batchNotUsable(lot: String, reason: String)

    public var description: String {
        switch self {
        case .unknownRoll(let id): return "no roll \(id) at this station; `station roll status` lists them"
        case .rollVoided(let id): return "roll \(id) is already void"
        case .reasonRequired: return "a reason is required (it goes into the void events)"
        case .invalidCount(let n): return "a roll needs 1 to \(StampRolls.maxCount) stamps (got \(n))"
        case .notInRoll(let g, let s, let here):
            return here ? "stamp \(s) of \(g) was printed by this station, not issued on a roll: it needs no activation"
                        : "serial \(s) of \(g) is not in any roll of this station"
        case .alreadyActivated(let s, let lot): return "stamp \(s) is already activated (lot \(lot))"
        case .stampVoided(let s, let id): return "stamp \(s) belongs to voided roll \(id)"
        case .noOpenBatch(let g): return "no open batch\(g.map { " of \($0)" } ?? "") to activate stamps into; open one with `station batch create`"
        case .ambiguousBatch(let g, let lots): return "several open batches\(g.map { " of \($0)" } ?? "") (\(lots.joined(separator: ", "))): set scanners.<name>.batch"
        case .invalidCompanyPrefix(let p): return "\"\(p)\" is not a GS1 company prefix (6 to 12 digits); set rolls.company_prefix to the province's"
        case .provinceRollWithServerSerials:
            return "province rolls draw their GIAIs from this station's own space: issue them at a station with serials.source = local and a station.serial_prefix unique in the province"
        case .batchNotUsable(let lot, let r): return "batch \(lot) cannot take stamps: \(r)"
        }
    }

    /// One sentence for the operator's screen.
    public var vietnamese: String {
        switch self {
        case .unknownRoll(let id): return "Không có cuộn tem số \(id) tại trạm này."
        case .rollVoided(let id): return "Cuộn tem số \(id) đã bị hủy trước đó."
        case .reasonRequired: return "Cần ghi lý do."
        case .invalidCount(let n): return "Số tem của một cuộn phải từ 1 đến \(StampRolls.maxCount) (nhận được \(n))."
        case .notInRoll(_, let s, let here):
            return here ? "Tem \(s) là tem in tại trạm, không thuộc cuộn tem in sẵn: không cần kích hoạt."
                        : "Số sê-ri \(s) không thuộc cuộn tem nào của trạm này: không kích hoạt."
        case .alreadyActivated(let s, let lot): return "Tem \(s) đã được kích hoạt rồi (lô \(lot)): không dán lại."
        case .stampVoided(let s, let id): return "Tem \(s) thuộc cuộn số \(id) đã bị hủy (mất cuộn): không được dùng."
        case .noOpenBatch(let g): return "Chưa có lô nào đang mở\(g == nil ? "" : " cho sản phẩm này"): mở lô trước khi kích hoạt tem."
        case .ambiguousBatch(_, let lots):
            return "Có \(lots.count) lô đang mở (\(lots.joined(separator: ", "))): chưa biết gắn tem vào lô nào; đặt scanners.<tên>.batch trong cấu hình."
        case .invalidCompanyPrefix(let p): return "\"\(p)\" không phải mã doanh nghiệp GS1 (6 đến 12 chữ số)."
        case .provinceRollWithServerSerials: return "Trạm lấy số sê-ri từ máy chủ tỉnh nên không phát hành cuộn tem của tỉnh được."
        case .batchNotUsable(let lot, let r): return "Lô \(lot) không nhận tem được: \(r)."
        }
    }
}

/// Rolls of pre-printed stamps: issuing them (serials drawn from the same blocks as print jobs,
/// so they never overlap), activating their stamps, counting and voiding them.
public struct StampRolls: Sendable {
    /// The largest roll one command issues (a print shop's long roll).
    public static let maxCount = 100_000

    let store: StationStore
    let allocator: SerialAllocator
    let tagger: StampTagger
    let ledger: StampLedger

    public init(store: StationStore, allocator: SerialAllocator, tagger: StampTagger, ledger: StampLedger) {
        self.store = store; self.allocator = allocator; self.tagger = tagger; self.ledger = ledger
    }

    /// The schema of migration `v5-rolls` (released: never edit, add a new migration instead).
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            -- A roll of stamps printed in advance for one product (by a print shop), activated on the line.
            CREATE TABLE rolls (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              gtin TEXT NOT NULL REFERENCES products(gtin),
              count INTEGER NOT NULL CHECK (count > 0),
              province TEXT NOT NULL,
              resolver TEXT NOT NULL,
              template TEXT NOT NULL,
              operator TEXT,
              created_at TEXT NOT NULL,
              voided_at TEXT,
              void_reason TEXT);
            -- Each stamp of a roll: encoded (printed, not on an item) → commissioned (activated into a batch), or voided.
            CREATE TABLE roll_stamps (
              gtin TEXT NOT NULL,
              serial TEXT NOT NULL,
              roll_id INTEGER NOT NULL REFERENCES rolls(id),
              position INTEGER NOT NULL,
              tag TEXT NOT NULL,
              state TEXT NOT NULL CHECK (state IN ('encoded', 'commissioned', 'voided')),
              batch_id INTEGER REFERENCES batches(id),
              updated_at TEXT NOT NULL,
              last_event_id TEXT,
              PRIMARY KEY (gtin, serial)) WITHOUT ROWID;
            CREATE UNIQUE INDEX roll_stamps_by_roll ON roll_stamps(roll_id, position);
            """)
    }

    /// Issues a roll of `count` new serials of product `gtin`, durably, each with its tag, in the
    /// state *encoded* (on paper soon, on no item yet). No event: nothing is on an item.
    public func issue(gtin: String, count: Int, province: String, resolver: String, template: String,
                      operatorID: String? = nil) throws -> StampRoll {
        guard (1...Self.maxCount).contains(count) else { throw RollError.invalidCount(count) }
        let product = try Catalog(store: store).product(gtin: gtin)
        let codec = allocator.codec(gtin: product.gtin, format: product.serialFormat)
        let id: Int64 = try store.pool.write { db in
            let ranges = try allocator.takeRanges(db, gtin: product.gtin, format: product.serialFormat, count: count)
            let now = Timestamp.now()
            try db.execute(sql: """
                INSERT INTO rolls(gtin, count, province, resolver, template, operator, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [product.gtin, count, province, resolver, template, operatorID, now])
            let id = db.lastInsertedRowID
            let insert = try db.cachedStatement(sql: """
                INSERT INTO roll_stamps(gtin, serial, roll_id, position, tag, state, updated_at) VALUES (?, ?, ?, ?, ?, 'encoded', ?)
                """)
            var position = 0
            for r in ranges {
                for c in r.start..<(r.start + UInt64(r.count)) {
                    position += 1
                    let serial = codec.serial(counter: c)
                    try insert.execute(arguments: [product.gtin, serial, id, position, try tagger.tag(gtin14: product.gtin, serial: serial), now])
                }
            }
            return id
        }
        guard let roll = try roll(id: id) else { throw RollError.unknownRoll(id) }
        return roll
    }

    /// One roll with its counts, or nil.
    public func roll(id: Int64) throws -> StampRoll? {
        try store.pool.read { db in try Self.rolls(db, id: id).first }
    }

    /// Every roll, oldest first.
    public func rolls() throws -> [StampRoll] {
        try store.pool.read { db in try Self.rolls(db, id: nil) }
    }

    static func rolls(_ db: Database, id: Int64?) throws -> [StampRoll] {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM rolls WHERE ? IS NULL OR id = ? ORDER BY id", arguments: [id, id])
        return try rows.map { r in
            var counts: [String: Int] = [:]
            for c in try Row.fetchAll(db, sql: """
                SELECT CASE WHEN x.state = 'encoded' THEN 'unused'
                            WHEN x.state = 'voided' OR s.state = 'voided' THEN 'void' ELSE 'active' END AS k, COUNT(*) AS n
                FROM roll_stamps x LEFT JOIN serial_states s
                  ON s.gtin = COALESCE(x.item_gtin, x.gtin) AND s.serial = COALESCE(x.item_serial, x.serial)
                WHERE x.roll_id = ? GROUP BY k
                """, arguments: [r["id"] as Int64]) {
                counts[c["k"]] = c["n"]
            }
            return StampRoll(id: r["id"], gtin: r["gtin"], companyPrefix: r["company_prefix"], count: r["count"], province: r["province"], resolver: r["resolver"],
                             template: r["template"], createdAt: r["created_at"], voidedAt: r["voided_at"], voidReason: r["void_reason"],
                             active: counts["active"] ?? 0, unused: counts["unused"] ?? 0, void: counts["void"] ?? 0)
        }
    }

    /// The stamps of a roll in print order.
    public func stamps(rollID: Int64) throws -> [RollStamp] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM roll_stamps WHERE roll_id = ? ORDER BY position", arguments: [rollID]).map(Self.stamp)
        }
    }

    /// The roll stamp with this serial, or nil when it is on no roll of this station.
    public func stamp(gtin: String, serial: String) throws -> RollStamp? {
        try store.pool.read { db in try Self.stamp(db, gtin: gtin, serial: serial) }
    }

    static func stamp(gtin: String, serial: String, in store: StationStore) throws -> RollStamp? {
        try store.pool.read { db in try stamp(db, gtin: gtin, serial: serial) }
    }

    static func stamp(_ db: Database, gtin: String, serial: String) throws -> RollStamp? {
        try Row.fetchOne(db, sql: "SELECT * FROM roll_stamps WHERE gtin = ? AND serial = ?", arguments: [gtin, serial]).map(stamp)
    }

    static func stamp(_ r: Row) -> RollStamp {
        RollStamp(rollID: r["roll_id"], position: r["position"], gtin: r["gtin"], serial: r["serial"], giai: r["giai"],
                  itemGTIN: r["item_gtin"], itemSerial: r["item_serial"], tag: r["tag"],
                  state: RollStamp.State(rawValue: r["state"]) ?? .encoded, batchID: r["batch_id"])
    }

    /// The open batch stamps of `gtin` are activated into: the batch with lot `lot` when given
    /// (it must be open and of this product), otherwise the product's only open batch.
    public func activationBatch(gtin: String, lot: String?) throws -> Batch {
        let open = try Catalog(store: store).batches(status: .open).filter { $0.gtin == gtin }
        if let lot, !lot.isEmpty {
            guard let b = try Catalog(store: store).batches().first(where: { $0.gtin == gtin && $0.lot == lot }) else {
                throw RollError.batchNotUsable(lot: lot, reason: "không có lô này cho sản phẩm của tem")
            }
            guard b.status == .open else { throw RollError.batchNotUsable(lot: lot, reason: "lô đã đóng") }
            return b
        }
        guard let first = open.first else { throw RollError.noOpenBatch(gtin: gtin) }
        guard open.count == 1 else { throw RollError.ambiguousBatch(gtin: gtin, lots: open.map(\.lot)) }
        return first
    }

    /// The roll stamp `serial` if it can still be activated; otherwise why not (not on any roll of
    /// this station, already activated, voided).
    @discardableResult
    public func unusedStamp(gtin: String, serial: String) throws -> RollStamp {
        try store.pool.read { db in try unusedStamp(db, gtin: gtin, serial: serial) }
    }

    @discardableResult
    func unusedStamp(_ db: Database, gtin: String, serial: String) throws -> RollStamp {
        guard let s = try Self.stamp(db, gtin: gtin, serial: serial) else {
            throw RollError.notInRoll(gtin: gtin, serial: serial, printedHere: try ledger.stamp(db, gtin: gtin, serial: serial) != nil)
        }
        switch s.state {
        case .encoded: return s
        case .voided: throw RollError.stampVoided(serial: serial, rollID: s.rollID)
        case .commissioned:
            let lot = try s.batchID.map { try ledger.batchInfo(db, $0).lot } ?? "?"
            throw RollError.alreadyActivated(serial: serial, lot: lot)
        }
    }

    /// Activates one roll stamp on an item of `batchID`: its commissioning event (lot and expiry
    /// of the batch) and its state change, in one transaction.
    @discardableResult
    public func activate(gtin: String, serial: String, batchID: Int64, operatorID: String? = nil, at time: Date = Date()) throws -> StoredEvent {
        try store.pool.write { db in
            try unusedStamp(db, gtin: gtin, serial: serial)
            guard let b = try Row.fetchOne(db, sql: "SELECT gtin, lot, status FROM batches WHERE id = ?", arguments: [batchID]) else {
                throw CatalogError.unknownBatch(String(batchID))
            }
            guard b["gtin"] as String == gtin else {
                throw RollError.batchNotUsable(lot: b["lot"], reason: "lô của sản phẩm khác (\(b["gtin"] as String))")
            }
            guard b["status"] as String == "open" else { throw RollError.batchNotUsable(lot: b["lot"], reason: "lô đã đóng") }
            let info = try ledger.batchInfo(db, batchID)
            let now = Timestamp.now()
            try db.execute(sql: """
                INSERT INTO serial_states(gtin, serial, batch_id, state, updated_at) VALUES (?, ?, ?, 'commissioned', ?)
                """, arguments: [gtin, serial, batchID, now])
            try db.execute(sql: "UPDATE roll_stamps SET state = 'commissioned', batch_id = ?, updated_at = ? WHERE gtin = ? AND serial = ?",
                           arguments: [batchID, now, gtin, serial])
            let stored = try ledger.events.append(
                prepared: [EventStore.Prepared(ledger.commissioningEvent(gtin: gtin, serial: serial, info: info, operatorID: operatorID, at: time), lot: info.lot)],
                in: db)
            try ledger.setLastEvents(db, gtin: gtin, serials: [serial], stored: stored)
            try db.execute(sql: "UPDATE roll_stamps SET last_event_id = ? WHERE gtin = ? AND serial = ?", arguments: [stored[0].eventID, gtin, serial])
            return stored[0]
        }
    }

    /// Declares a roll lost: every stamp of it not yet activated becomes void, each with a
    /// decommissioning event carrying `reason`; activated stamps stay in use. Returns how many were voided.
    @discardableResult
    public func void(rollID: Int64, reason: String, operatorID: String? = nil, at time: Date = Date()) throws -> Int {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw RollError.reasonRequired }
        return try store.pool.write { db in
            guard let roll = try Row.fetchOne(db, sql: "SELECT voided_at FROM rolls WHERE id = ?", arguments: [rollID]) else {
                throw RollError.unknownRoll(rollID)
            }
            guard (roll["voided_at"] as String?) == nil else { throw RollError.rollVoided(rollID) }
            let unused = try Row.fetchAll(db, sql: "SELECT gtin, serial, giai FROM roll_stamps WHERE roll_id = ? AND state = 'encoded' ORDER BY position",
                                          arguments: [rollID]).map { (gtin: $0["gtin"] as String, serial: $0["serial"] as String, giai: $0["giai"] as String?) }
            let now = Timestamp.now()
            try db.execute(sql: "UPDATE rolls SET voided_at = ?, void_reason = ? WHERE id = ?", arguments: [now, reason, rollID])
            guard !unused.isEmpty else { return 0 }
            // A province stamp is known by its GIAI: nothing else names it before activation.
            let prepared = unused.map {
                EventStore.Prepared(ledger.decommissioningEvent(epc: $0.giai.map(ProvinceStampCode.epc) ?? Stamp.epc(gtin: $0.gtin, serial: $0.serial),
                                                                reason: reason, operatorID: operatorID, at: time))
            }
            let stored = try ledger.events.append(prepared: prepared, in: db)
            let update = try db.cachedStatement(sql: """
                UPDATE roll_stamps SET state = 'voided', updated_at = ?, last_event_id = ? WHERE gtin = ? AND serial = ?
                """)
            for (s, e) in zip(unused, stored) { try update.execute(arguments: [now, e.eventID, s.gtin, s.serial]) }
            return unused.count
        }
    }
}

extension StampCode {
    /// The Digital Link of a pre-printed roll stamp: product, serial and tag only
    /// (`https://<resolver>/01/<gtin>/21/<serial>?92=<tag>`); lot and dates are bound at activation.
    public static func rollLink(resolver: String, gtin: String, serial: String, tag: String) throws -> String {
        try TraceCode(gtin: try GTIN(gtin), serial: serial, otherElements: [try GS1Element(ai: tagAI, value: tag)])
            .digitalLink(resolver: resolver).uri
    }

    /// The same as a GS1 element string (for a Data Matrix on the roll template).
    public static func rollElementString(gtin: String, serial: String, tag: String) throws -> String {
        try TraceCode(gtin: try GTIN(gtin), serial: serial, otherElements: [try GS1Element(ai: tagAI, value: tag)]).elementString
    }
}
