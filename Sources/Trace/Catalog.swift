import Foundation
import GRDB
import GS1

/// A product that gets stamps: what a consumer or inspector sees when the stamp is checked.
public struct Product: Sendable, Equatable, Codable {
    public var gtin: String            // GTIN-14
    public var name: String            // Vietnamese, e.g. "Miến dong Na Rì"
    public var producer: String
    public var producerAddress: String
    public var producerGLN: String
    public var template: String        // label template in Config/templates/
    public var serialFormat: SerialFormat
    public var shelfLifeDays: Int?

    public init(gtin: String, name: String, producer: String, producerAddress: String = "", producerGLN: String,
                template: String = "mien-dong-50x30", serialFormat: SerialFormat = .random, shelfLifeDays: Int? = nil) {
        self.gtin = gtin; self.name = name; self.producer = producer; self.producerAddress = producerAddress
        self.producerGLN = producerGLN; self.template = template; self.serialFormat = serialFormat; self.shelfLifeDays = shelfLifeDays
    }
}

/// A production batch (lot) of a product.
public struct Batch: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case open, closed }
    public var id: Int64
    public var gtin: String
    public var lot: String
    public var productionDate: String   // YYYY-MM-DD
    public var expiryDate: String?      // YYYY-MM-DD
    public var plannedQuantity: Int
    public var status: Status
    public var createdAt: String
    public var closedAt: String?
}

public enum CatalogError: Error, Equatable, CustomStringConvertible {
    case invalidGTIN(String, String)
    case invalidGLN(String, String)
    case invalidLot(String, String)
    case invalidDate(field: String, value: String)
    case expiryBeforeProduction(production: String, expiry: String)
    case emptyName
    case unknownProduct(String)
    case unknownBatch(String)
    case duplicateBatch(gtin: String, lot: String)
    case batchClosed(String)
    case invalidQuantity(Int)

    public var description: String {
        switch self {
        case .invalidGTIN(let g, let why): return "GTIN \(g) is not valid: \(why)"
        case .invalidGLN(let g, let why): return "GLN \(g) is not valid: \(why)"
        case .invalidLot(let l, let why): return "lot \"\(l)\" cannot be used: \(why)"
        case .invalidDate(let f, let v): return "\(f) \"\(v)\" is not a date; write it as YYYY-MM-DD"
        case .expiryBeforeProduction(let p, let e): return "expiry \(e) is before production \(p)"
        case .emptyName: return "the product needs a name"
        case .unknownProduct(let g): return "no product with GTIN \(g); create it with `station product add`"
        case .unknownBatch(let b): return "no batch \(b); `station batch list` shows the batches"
        case .duplicateBatch(let g, let l): return "product \(g) already has a batch with lot \(l)"
        case .batchClosed(let b): return "batch \(b) is closed; no more stamps can be issued for it"
        case .invalidQuantity(let q): return "planned quantity must be positive (got \(q))"
        }
    }
}

/// Products and batches in the station store.
public struct Catalog: Sendable {
    let store: StationStore
    public init(store: StationStore) { self.store = store }

    @discardableResult
    public func addProduct(_ p: Product) throws -> Product {
        var p = p
        do { p.gtin = try GTIN(p.gtin).gtin14 } catch { throw CatalogError.invalidGTIN(p.gtin, error.description) }
        do { _ = try GLN(p.producerGLN) } catch { throw CatalogError.invalidGLN(p.producerGLN, error.description) }
        guard !p.name.trimmingCharacters(in: .whitespaces).isEmpty else { throw CatalogError.emptyName }
        let product = p
        try store.pool.write { db in
            try db.execute(sql: """
                INSERT INTO products(gtin, name, producer, producer_address, producer_gln, template, serial_format, shelf_life_days, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(gtin) DO UPDATE SET name = excluded.name, producer = excluded.producer,
                  producer_address = excluded.producer_address, producer_gln = excluded.producer_gln,
                  template = excluded.template, shelf_life_days = excluded.shelf_life_days
                """, arguments: [product.gtin, product.name, product.producer, product.producerAddress, product.producerGLN,
                                 product.template, product.serialFormat.rawValue, product.shelfLifeDays, Timestamp.now()])
        }
        return try self.product(gtin: product.gtin)
    }

    public func product(gtin: String) throws -> Product {
        let g = (try? GTIN(gtin).gtin14) ?? gtin
        guard let p = try store.pool.read({ db in try Row.fetchOne(db, sql: "SELECT * FROM products WHERE gtin = ?", arguments: [g]) }) else {
            throw CatalogError.unknownProduct(gtin)
        }
        return Self.product(p)
    }

    public func products() throws -> [Product] {
        try store.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM products ORDER BY gtin").map(Self.product) }
    }

    static func product(_ r: Row) -> Product {
        Product(gtin: r["gtin"], name: r["name"], producer: r["producer"], producerAddress: r["producer_address"],
                producerGLN: r["producer_gln"], template: r["template"],
                serialFormat: SerialFormat(rawValue: r["serial_format"]) ?? .random, shelfLifeDays: r["shelf_life_days"])
    }

    /// Opens a batch. Expiry defaults to production + the product's shelf life.
    public func createBatch(gtin: String, lot: String, productionDate: String, expiryDate: String?, plannedQuantity: Int) throws -> Batch {
        let product = try self.product(gtin: gtin)
        do { _ = try GS1Element(ai: "10", value: lot) } catch { throw CatalogError.invalidLot(lot, error.description) }
        guard let prod = Timestamp.day(productionDate) else { throw CatalogError.invalidDate(field: "production date", value: productionDate) }
        var expiry = expiryDate
        if expiry == nil, let days = product.shelfLifeDays {
            expiry = Timestamp.dayString(prod.addingTimeInterval(Double(days) * 86400))
        }
        if let e = expiry {
            guard let ed = Timestamp.day(e) else { throw CatalogError.invalidDate(field: "expiry date", value: e) }
            guard ed >= prod else { throw CatalogError.expiryBeforeProduction(production: productionDate, expiry: e) }
        }
        guard plannedQuantity > 0 else { throw CatalogError.invalidQuantity(plannedQuantity) }
        let expiryFinal = expiry
        let id: Int64 = try store.pool.write { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM batches WHERE gtin = ? AND lot = ?", arguments: [product.gtin, lot]) != nil {
                throw CatalogError.duplicateBatch(gtin: product.gtin, lot: lot)
            }
            try db.execute(sql: """
                INSERT INTO batches(gtin, lot, production_date, expiry_date, planned_quantity, status, created_at)
                VALUES (?, ?, ?, ?, ?, 'open', ?)
                """, arguments: [product.gtin, lot, productionDate, expiryFinal, plannedQuantity, Timestamp.now()])
            return db.lastInsertedRowID
        }
        return try batch(id: id)
    }

    public func batch(id: Int64) throws -> Batch {
        guard let r = try store.pool.read({ db in try Row.fetchOne(db, sql: "SELECT * FROM batches WHERE id = ?", arguments: [id]) }) else {
            throw CatalogError.unknownBatch(String(id))
        }
        return Self.batch(r)
    }

    /// Finds a batch by numeric id or by lot (a lot alone must be unambiguous).
    public func batch(named ref: String, gtin: String? = nil) throws -> Batch {
        if let id = Int64(ref), let b = try? batch(id: id) { return b }
        let rows = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM batches WHERE lot = ? AND (? IS NULL OR gtin = ?)", arguments: [ref, gtin, gtin])
        }
        guard rows.count == 1 else { throw CatalogError.unknownBatch(rows.isEmpty ? ref : "\(ref) (several products have this lot: add --product)") }
        return Self.batch(rows[0])
    }

    public func batches(status: Batch.Status? = nil) throws -> [Batch] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM batches WHERE ? IS NULL OR status = ? ORDER BY id", arguments: [status?.rawValue, status?.rawValue]).map(Self.batch)
        }
    }

    public func closeBatch(id: Int64) throws -> Batch {
        try store.pool.write { db in
            try db.execute(sql: "UPDATE batches SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'", arguments: [Timestamp.now(), id])
        }
        return try batch(id: id)
    }

    static func batch(_ r: Row) -> Batch {
        Batch(id: r["id"], gtin: r["gtin"], lot: r["lot"], productionDate: r["production_date"], expiryDate: r["expiry_date"],
              plannedQuantity: r["planned_quantity"], status: Batch.Status(rawValue: r["status"]) ?? .open,
              createdAt: r["created_at"], closedAt: r["closed_at"])
    }
}

/// Times as the store writes them: ISO 8601 in UTC with milliseconds, e.g. `2025-03-14T02:15:02.481Z`.
/// Formatted by hand (thread-safe, no formatter objects shared between threads).
public enum Timestamp {
    public static func now() -> String { string(Date()) }

    public static func string(_ date: Date) -> String {
        EventTime.string(date, offset: .utc).replacingOccurrences(of: "+00:00", with: "Z")
    }

    /// Parses what ``string(_:)`` writes.
    public static func date(_ s: String) -> Date? {
        let b = Array(s.utf8)
        guard b.count >= 20 else { return nil }
        func num(_ r: Range<Int>) -> Int? { Int(String(decoding: b[r], as: UTF8.self)) }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13), let mi = num(14..<16), let se = num(17..<19) else { return nil }
        var t = tm()
        t.tm_year = Int32(y - 1900); t.tm_mon = Int32(mo - 1); t.tm_mday = Int32(d)
        t.tm_hour = Int32(h); t.tm_min = Int32(mi); t.tm_sec = Int32(se)
        let ms = b.count >= 23 && b[19] == UInt8(ascii: ".") ? (num(20..<23) ?? 0) : 0
        return Date(timeIntervalSince1970: Double(timegm(&t)) + Double(ms) / 1000)
    }
    static func day(_ s: String) -> Date? {
        let parts = s.split(separator: "-")
        guard s.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        var c = DateComponents(); c.year = y; c.month = m; c.day = d
        var cal = Calendar(identifier: .gregorian); cal.timeZone = TimeZone(identifier: "UTC")!
        guard let date = cal.date(from: c), cal.component(.day, from: date) == d else { return nil }
        return date
    }
    static func dayString(_ d: Date) -> String {
        var cal = Calendar(identifier: .gregorian); cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day], from: d)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}

extension Catalog {
    /// How many serials of a batch were reserved, and how many are in each state.
    public func serialCounts(batchID: Int64) throws -> [String: Int] {
        try store.pool.read { db in
            var out: [String: Int] = ["reserved": try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(count), 0) FROM reservations WHERE batch_id = ?", arguments: [batchID]) ?? 0]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM serial_states WHERE batch_id = ? GROUP BY state", arguments: [batchID]) {
                out[row["state"]] = row["n"]
            }
            return out
        }
    }
}
