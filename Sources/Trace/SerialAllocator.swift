import Foundation
import GRDB

/// Serials reserved for one batch: one or more counter ranges and the codec that names them.
/// The reservation is durable before it is returned, so none of its serials can ever be handed out again.
public struct Reservation: Sendable {
    public struct Range: Sendable, Equatable { public let blockID: Int64; public let start: UInt64; public let count: Int }
    public let id: Int64
    public let batchID: Int64
    public let gtin: String
    public let ranges: [Range]
    public let codec: SerialCodec

    public var count: Int { ranges.reduce(0) { $0 + $1.count } }

    /// The counter of the `i`-th serial of this reservation.
    public func counter(at i: Int) -> UInt64 {
        var i = i
        for r in ranges {
            if i < r.count { return r.start + UInt64(i) }
            i -= r.count
        }
        preconditionFailure("index beyond the reservation")
    }

    public func serial(at i: Int) -> String { codec.serial(counter: counter(at: i)) }

    /// Every serial, in order.
    public var serials: [String] { (0..<count).map(serial(at:)) }
}

public enum AllocationError: Error, Equatable, CustomStringConvertible {
    case invalidPrefix(String)
    case invalidCount(Int)
    case exhausted(gtin: String, needed: Int, available: UInt64)
    case needsServerBlocks(gtin: String)

    public var description: String {
        switch self {
        case .invalidPrefix(let p): return "serial prefix \"\(p)\" must be 1–4 letters from \(SerialAlphabet.characters.filter(\.isLetter).map(String.init).joined()) (no digits, so it can never be confused with a serial body)"
        case .invalidCount(let n): return "cannot reserve \(n) serials; ask for 1 or more"
        case .exhausted(let g, let n, let a): return "only \(a) serials left for \(g), \(n) needed; ask the trace-server for another block"
        case .needsServerBlocks(let g): return "no serial block for \(g): this station takes serials from the trace-server; sync first"
        }
    }
}

/// Hands out serial numbers per batch that are never issued twice: not across concurrent jobs (one
/// SQLite writer, one transaction per reservation), not across stations (a station prefix, or disjoint
/// blocks of counters from the trace-server), not after `kill -9` or a power cut (the counter is
/// committed with `synchronous=FULL` before any serial leaves this function).
public struct SerialAllocator: Sendable {
    public enum BlockPolicy: Sendable, Equatable {
        /// The station owns the whole counter space of its prefix.
        case local
        /// Only blocks granted by the trace-server may be used.
        case serverBlocks
    }

    let store: StationStore
    public let prefix: String
    public let policy: BlockPolicy
    let keys: StampKeyRing

    public init(store: StationStore, keys: StampKeyRing, prefix: String, policy: BlockPolicy = .local) throws {
        if !prefix.isEmpty {
            guard prefix.count <= 4, prefix.allSatisfy({ SerialAlphabet.value(of: $0) != nil && $0.isLetter }) else {
                throw AllocationError.invalidPrefix(prefix)
            }
        }
        self.store = store
        self.prefix = prefix
        self.policy = policy
        self.keys = keys
    }

    public func codec(gtin: String, format: SerialFormat) -> SerialCodec {
        SerialCodec(format: format, prefix: prefix, key: keys.serialKey(gtin: gtin))
    }

    /// Reserves `count` new serials for an open batch, durably.
    public func reserve(batchID: Int64, count: Int, purpose: String) throws -> Reservation {
        guard count > 0 else { throw AllocationError.invalidCount(count) }
        return try store.pool.write { db in try reserve(db, batchID: batchID, count: count, purpose: purpose) }
    }

    /// ``reserve(batchID:count:purpose:)`` inside the caller's write transaction (an activation
    /// reserves its item's serial and commissions it in one).
    func reserve(_ db: Database, batchID: Int64, count: Int, purpose: String) throws -> Reservation {
        guard count > 0 else { throw AllocationError.invalidCount(count) }
        let (reservationID, gtin, format, ranges): (Int64, String, SerialFormat, [Reservation.Range]) = try {
            guard let batch = try Row.fetchOne(db, sql: """
                SELECT b.gtin, b.status, b.lot, p.serial_format FROM batches b JOIN products p ON p.gtin = b.gtin WHERE b.id = ?
                """, arguments: [batchID]) else { throw CatalogError.unknownBatch(String(batchID)) }
            guard batch["status"] as String == "open" else { throw CatalogError.batchClosed(batch["lot"]) }
            let gtin: String = batch["gtin"]
            let format = SerialFormat(rawValue: batch["serial_format"]) ?? .random
            let ranges = try takeRanges(db, gtin: gtin, format: format, count: count)
            try db.execute(sql: "INSERT INTO reservations(batch_id, gtin, purpose, count, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [batchID, gtin, purpose, count, Timestamp.now()])
            let rid = db.lastInsertedRowID
            for r in ranges {
                try db.execute(sql: "INSERT INTO reservation_ranges(reservation_id, block_id, start_counter, count) VALUES (?, ?, ?, ?)",
                               arguments: [rid, r.blockID, Int64(r.start), r.count])
            }
            return (rid, gtin, format, ranges)
        }()
        return Reservation(id: reservationID, batchID: batchID, gtin: gtin, ranges: ranges, codec: codec(gtin: gtin, format: format))
    }

    /// Loads an earlier reservation (e.g. to resume a print job after a restart).
    public func reservation(id: Int64) throws -> Reservation? {
        try store.pool.read { db in
            guard let r = try Row.fetchOne(db, sql: """
                SELECT r.batch_id, r.gtin, p.serial_format FROM reservations r JOIN products p ON p.gtin = r.gtin WHERE r.id = ?
                """, arguments: [id]) else { return nil }
            let ranges = try Row.fetchAll(db, sql: "SELECT block_id, start_counter, count FROM reservation_ranges WHERE reservation_id = ? ORDER BY rowid", arguments: [id])
                .map { Reservation.Range(blockID: $0["block_id"], start: UInt64($0["start_counter"] as Int64), count: $0["count"]) }
            let gtin: String = r["gtin"]
            return Reservation(id: id, batchID: r["batch_id"], gtin: gtin, ranges: ranges,
                               codec: codec(gtin: gtin, format: SerialFormat(rawValue: r["serial_format"]) ?? .random))
        }
    }

    /// Records a block of counters granted by the trace-server. Blocks never overlap, checked here too.
    public func addServerBlock(gtin: String, format: SerialFormat, start: UInt64, end: UInt64) throws {
        try store.pool.write { db in
            let overlap = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM serial_blocks WHERE gtin = ? AND format = ? AND prefix = ? AND start_counter < ? AND ? < end_counter
                """, arguments: [gtin, format.rawValue, prefix, Int64(end), Int64(start)]) ?? 0
            guard overlap == 0 else { throw AllocationError.exhausted(gtin: gtin, needed: 0, available: 0) }
            try db.execute(sql: """
                INSERT INTO serial_blocks(gtin, format, prefix, start_counter, end_counter, next, source, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 'server', ?)
                """, arguments: [gtin, format.rawValue, prefix, Int64(start), Int64(end), Int64(start), Timestamp.now()])
        }
    }

    /// Counters still free in this station's blocks of `gtin` (what can be reserved without a new block).
    public func available(gtin: String, format: SerialFormat) throws -> UInt64 {
        try store.pool.read { db in
            UInt64(try Int64.fetchOne(db, sql: """
                SELECT COALESCE(SUM(end_counter - next), 0) FROM serial_blocks WHERE gtin = ? AND format = ? AND prefix = ?
                """, arguments: [gtin, format.rawValue, prefix]) ?? 0)
        }
    }

    /// This station's counter blocks, oldest first.
    public func blocks() throws -> [SerialBlockInfo] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM serial_blocks ORDER BY id").map {
                SerialBlockInfo(id: $0["id"], gtin: $0["gtin"], format: $0["format"], prefix: $0["prefix"], start: UInt64($0["start_counter"] as Int64),
                                end: UInt64($0["end_counter"] as Int64), next: UInt64($0["next"] as Int64), source: $0["source"], createdAt: $0["created_at"])
            }
        }
    }

    /// Whether a serial was ever handed out by this station (offline "unknown stamp" check):
    /// its counter must lie below the `next` of a block of its product.
    public func wasIssued(gtin: String, serial: String, format: SerialFormat) throws -> Bool {
        guard let c = codec(gtin: gtin, format: format).counter(of: serial) else { return false }
        return try store.pool.read { db in
            try Int.fetchOne(db, sql: """
                SELECT 1 FROM serial_blocks WHERE gtin = ? AND format = ? AND prefix = ? AND start_counter <= ? AND ? < next
                """, arguments: [gtin, format.rawValue, prefix, Int64(c), Int64(c)]) != nil
        }
    }

    /// Takes `count` counters from the product's blocks (advancing their `next`) inside the
    /// caller's write transaction: the one place counters leave a block, so nothing drawn from it
    /// (batch reservations, pre-printed rolls) can ever overlap.
    func takeRanges(_ db: Database, gtin: String, format: SerialFormat, count: Int) throws -> [Reservation.Range] {
        guard count > 0 else { throw AllocationError.invalidCount(count) }
        try ensureLocalBlock(db, gtin: gtin, format: format)
        let blocks = try Row.fetchAll(db, sql: """
            SELECT id, next, end_counter FROM serial_blocks
            WHERE gtin = ? AND format = ? AND prefix = ? AND next < end_counter ORDER BY id
            """, arguments: [gtin, format.rawValue, prefix])
        var needed = count
        var ranges: [Reservation.Range] = []
        for b in blocks where needed > 0 {
            let next = UInt64(b["next"] as Int64), end = UInt64(b["end_counter"] as Int64)
            let take = Int(min(UInt64(needed), end - next))
            ranges.append(.init(blockID: b["id"], start: next, count: take))
            needed -= take
        }
        if needed > 0 {
            if blocks.isEmpty && policy == .serverBlocks { throw AllocationError.needsServerBlocks(gtin: gtin) }
            throw AllocationError.exhausted(gtin: gtin, needed: count, available: UInt64(count - needed))
        }
        for r in ranges {
            try db.execute(sql: "UPDATE serial_blocks SET next = next + ? WHERE id = ?", arguments: [r.count, r.blockID])
        }
        return ranges
    }

    private func ensureLocalBlock(_ db: Database, gtin: String, format: SerialFormat) throws {
        guard policy == .local else { return }
        let exists = try Int.fetchOne(db, sql: "SELECT 1 FROM serial_blocks WHERE gtin = ? AND format = ? AND prefix = ?",
                                      arguments: [gtin, format.rawValue, prefix]) != nil
        guard !exists else { return }
        let capacity = codec(gtin: gtin, format: format).capacity
        try db.execute(sql: """
            INSERT INTO serial_blocks(gtin, format, prefix, start_counter, end_counter, next, source, created_at)
            VALUES (?, ?, ?, 0, ?, 0, 'local', ?)
            """, arguments: [gtin, format.rawValue, prefix, Int64(capacity), Timestamp.now()])
    }
}

/// A block of serial counters this station draws from: its own (`local`, the whole space of its
/// prefix) or granted by the trace-server (`server`), with how far it has been used.
public struct SerialBlockInfo: Sendable, Equatable, Codable {
    public let id: Int64
    /// The product (or `8004:<company prefix>` for province rolls).
    public let gtin: String
    public let format: String
    public let prefix: String
    public let start: UInt64
    /// Exclusive.
    public let end: UInt64
    public let next: UInt64
    public let source: String
    public let createdAt: String
    public var left: UInt64 { end - next }
}
