import Foundation
import GRDB
import GS1

/// The text printed in a stamp's QR code and how it is read back.
public enum StampCode {
    /// The AI that carries the authenticity tag: 92, "company internal information", which GS1
    /// Digital Link allows as a data attribute and element strings carry like any other AI.
    public static let tagAI = "92"

    /// `https://<resolver>/01/<gtin>/10/<lot>/21/<serial>?17=YYMMDD&92=<tag>`.
    public static func digitalLink(resolver: String, gtin: String, lot: String, serial: String, expiry: String?, tag: String?) throws -> String {
        try traceCode(gtin: gtin, lot: lot, serial: serial, expiry: expiry, tag: tag).digitalLink(resolver: resolver).uri
    }

    /// The same data as a GS1 element string (for DataMatrix / GS1-128).
    public static func elementString(gtin: String, lot: String, serial: String, expiry: String?, tag: String?) throws -> String {
        try traceCode(gtin: gtin, lot: lot, serial: serial, expiry: expiry, tag: tag).elementString
    }

    /// The codes of one batch's stamps, made per serial without validating again what all of them
    /// share (GTIN, lot, expiry, resolver): a print job makes thousands a second. Built from a full
    /// code made once with stand-in values, so the layout is exactly ``digitalLink(resolver:gtin:lot:serial:expiry:tag:)``'s
    /// and ``elementString(gtin:lot:serial:expiry:tag:)``'s; a serial or tag that is not plain
    /// letters and digits (which a Digital Link would percent-encode) takes the full path.
    public struct Batch: Sendable {
        public let resolver: String, gtin: String, lot: String, expiry: String?
        private let link: (before: String, between: String, after: String)?
        private let element: (before: String, between: String, after: String)?

        static let serialStandIn = "QX7SERIALQX7", tagStandIn = "QX7TAGQX7"

        public init(resolver: String, gtin: String, lot: String, expiry: String?) throws {
            self.resolver = resolver; self.gtin = gtin; self.lot = lot; self.expiry = expiry
            let fullLink = try StampCode.digitalLink(resolver: resolver, gtin: gtin, lot: lot, serial: Self.serialStandIn, expiry: expiry, tag: Self.tagStandIn)
            let fullElements = try StampCode.elementString(gtin: gtin, lot: lot, serial: Self.serialStandIn, expiry: expiry, tag: Self.tagStandIn)
            link = Self.split(fullLink)
            element = Self.split(fullElements)
        }

        /// The text around the stand-ins, when each occurs once and the serial comes first.
        static func split(_ s: String) -> (String, String, String)? {
            let a = s.components(separatedBy: serialStandIn), b = s.components(separatedBy: tagStandIn)
            guard a.count == 2, b.count == 2, let tagAt = a[1].range(of: tagStandIn) else { return nil }
            return (a[0], String(a[1][..<tagAt.lowerBound]), String(a[1][tagAt.upperBound...]))
        }

        static func isPlain(_ s: String, maxLength: Int) -> Bool {
            let u = s.utf8
            return !u.isEmpty && u.count <= maxLength && u.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
        }

        public func digitalLink(serial: String, tag: String) throws -> String {
            if let link, Self.isPlain(serial, maxLength: 20), Self.isPlain(tag, maxLength: 90) { return link.before + serial + link.between + tag + link.after }
            return try StampCode.digitalLink(resolver: resolver, gtin: gtin, lot: lot, serial: serial, expiry: expiry, tag: tag)
        }

        public func elementString(serial: String, tag: String) throws -> String {
            if let element, Self.isPlain(serial, maxLength: 20), Self.isPlain(tag, maxLength: 90) { return element.before + serial + element.between + tag + element.after }
            return try StampCode.elementString(gtin: gtin, lot: lot, serial: serial, expiry: expiry, tag: tag)
        }
    }

    static func traceCode(gtin: String, lot: String, serial: String, expiry: String?, tag: String?) throws -> TraceCode {
        var expiryDate: GS1Date?
        if let e = expiry {
            let p = e.split(separator: "-").compactMap { Int($0) }
            guard p.count == 3, let d = GS1Date(year: p[0], month: p[1], day: p[2]) else { throw CatalogError.invalidDate(field: "expiry date", value: e) }
            expiryDate = d
        }
        return try TraceCode(gtin: try GTIN(gtin), lot: lot, serial: serial, expiry: expiryDate,
                             otherElements: try tag.map { [try GS1Element(ai: tagAI, value: $0)] } ?? [])
    }
}

/// What an inspector is told about a stamp.
public struct StampVerdict: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// Issued here, tag valid, batch known, not void.
        case genuine
        /// Well-formed, but never issued (by this station, when offline).
        case unknown
        /// The tag does not match: someone made this code up or changed it.
        case forged
        /// Voided by the producer (a spoiled or lost stamp).
        case void
        /// Its batch was recalled: the item must be withdrawn, whatever its stamp says.
        case recalled
        /// Genuine-looking, but seen in ways one item cannot be (too many scans, after shipping elsewhere...).
        case suspicious
        /// Not a stamp of this system at all (a plain GTIN, another scheme's code).
        case notAStamp = "not_a_stamp"
        /// A pre-printed roll stamp not yet activated on an item: genuine paper, but on no product.
        case notActivated = "not_activated"
    }
    public var kind: Kind
    /// One sentence for the operator or inspector, in Vietnamese.
    public var message: String
    /// Why, in plain words (English, for logs and audits).
    public var reason: String
    public var gtin: String?
    public var serial: String?
    public var lot: String?
    public var expiry: String?
    public var productName: String?
    public var producer: String?
    public var scanCount: Int
    /// True when the verdict was reached with this station's data only.
    public var offline: Bool
    /// What this station recorded about the stamp, oldest first (with a recall, the lot's recall last).
    public var history: [Step] = []

    /// One event of the stamp's history at this station.
    public struct Step: Sendable, Equatable, Codable {
        /// EPCIS event time with its offset (`2025-03-14T09:15:02.481+07:00`).
        public var eventTime: String
        public var bizStep: String?
        public var disposition: String?
        /// The operator's reason (void, reprint, recall), when there is one.
        public var reason: String?
        /// A reprint of the stamp (the same serial printed again).
        public var reprint: Bool

        init(_ e: StoredEvent) {
            let decoded = try? e.decoded()
            eventTime = e.eventTime
            bizStep = e.bizStep
            disposition = decoded?.disposition?.rawValue
            reason = decoded?.station?.reason
            reprint = decoded?.station?.reprintOf != nil
        }
    }
}

/// Checks a scanned or photographed code against what this station knows.
public struct StampVerifier: Sendable {
    let store: StationStore
    let tagger: StampTagger
    let allocator: SerialAllocator
    let ledger: StampLedger
    /// Inspections of one stamp above this count make it suspicious (a copied stamp gets scanned a lot).
    public var suspiciousScanCount = 10

    public init(store: StationStore, tagger: StampTagger, allocator: SerialAllocator, ledger: StampLedger) {
        self.store = store; self.tagger = tagger; self.allocator = allocator; self.ledger = ledger
    }

    /// A stamp of a province roll (a GIAI): its tag, its roll, and once activated the item it is on,
    /// verified like any stamp of that item's product.
    func verifyProvince(giai: String, tag: String?) -> StampVerdict {
        func verdict(_ k: StampVerdict.Kind, _ vi: String, _ why: String) -> StampVerdict {
            StampVerdict(kind: k, message: vi, reason: why, gtin: nil, serial: giai, lot: nil, expiry: nil,
                         productName: nil, producer: nil, scanCount: 0, offline: true)
        }
        guard let tag else {
            return verdict(.forged, "Tem thiếu mã xác thực: nghi là tem giả.", "province stamp \(giai) without an authenticity tag (AI 92)")
        }
        switch tagger.verify(tag: tag, gtin14: ProvinceStampCode.tagDomain, serial: giai) {
        case .valid: break
        case .revokedKey(let k):
            return verdict(.suspicious, "Tem dùng khóa đã bị thu hồi: cần kiểm tra thêm.", "tag made with revoked key \(k)")
        case .unknownKey(let k):
            return verdict(.forged, "Mã xác thực không hợp lệ: nghi là tem giả.", "tag key \(k) does not exist")
        case .invalid, .malformed:
            return verdict(.forged, "Mã xác thực không khớp: tem giả hoặc bị sửa.", "authenticity tag does not match GIAI \(giai)")
        }
        guard let stamp = try? store.pool.read({ db in try StampRolls.stamp(db, giai: giai) }) else {
            return verdict(.unknown, "Tem tỉnh đúng định dạng nhưng không thuộc cuộn tem nào của trạm này (chưa kiểm tra với máy chủ tỉnh).",
                           "GIAI \(giai) is on no roll of this station")
        }
        var v: StampVerdict
        switch stamp.state {
        case .voided:
            v = verdict(.void, "Tem thuộc cuộn tem đã bị hủy (mất cuộn): không được lưu hành.", "stamp of voided roll \(stamp.rollID), never activated")
        case .encoded:
            v = verdict(.notActivated, "Tem in sẵn của tỉnh (cuộn số \(stamp.rollID)) chưa được kích hoạt: chưa gắn với sản phẩm nào.",
                        "issued on province roll \(stamp.rollID), not activated")
        case .commissioned:
            guard let gtin = stamp.itemGTIN, let serial = stamp.itemSerial, let itemTag = try? tagger.tag(gtin14: gtin, serial: serial),
                  let link = try? StampCode.rollLink(resolver: DigitalLink.canonicalResolver, gtin: gtin, serial: serial, tag: itemTag) else {
                return verdict(.unknown, "Tem đã kích hoạt nhưng trạm không tìm thấy sản phẩm gắn với tem.", "activated GIAI \(giai) without its item")
            }
            v = verify(link)
            v.reason = "province stamp \(giai) on item \(serial): " + v.reason
            return v
        }
        v.history = ((try? ledger.events.events(identifier: ProvinceStampCode.epc(giai: giai))) ?? []).map(StampVerdict.Step.init)
        return v
    }

    public func verify(_ text: String) -> StampVerdict {
        func verdict(_ k: StampVerdict.Kind, _ vi: String, _ why: String, code: TraceCode? = nil) -> StampVerdict {
            StampVerdict(kind: k, message: vi, reason: why, gtin: code?.gtin.gtin14, serial: code?.serial, lot: code?.lot,
                         expiry: code?.expiry.map { String(format: "%04d-%02d-%02d", $0.year, $0.month, $0.lastDay) },
                         productName: nil, producer: nil, scanCount: 0, offline: true)
        }
        // Read once: a province stamp (a GIAI) or a trade item's code.
        let code: TraceCode
        do {
            let scanned = try ScannedGS1(parsing: text)
            if let province = ProvinceStampCode.stamp(scanned) { return verifyProvince(giai: province.giai, tag: province.tag) }
            code = try TraceCode(scanned: scanned)
        } catch {
            return verdict(.notAStamp, "Không phải mã truy xuất GS1 hợp lệ.", "not a GS1 code: \(error)")
        }
        guard let serial = code.serial else {
            return verdict(.notAStamp, "Mã sản phẩm không có số sê-ri: không phải tem truy xuất.", "GS1 code without a serial (AI 21)", code: code)
        }
        let gtin = code.gtin.gtin14
        guard let product = try? Catalog(store: store).product(gtin: gtin) else {
            return verdict(.unknown, "Sản phẩm chưa đăng ký tại trạm này.", "GTIN \(gtin) is not a product known here", code: code)
        }
        guard let tag = code.otherElements.first(where: { $0.ai == StampCode.tagAI })?.value else {
            return verdict(.forged, "Tem thiếu mã xác thực: nghi là tem giả.", "no authenticity tag (AI 92) on a serialized stamp", code: code)
        }
        switch tagger.verify(tag: tag, gtin14: gtin, serial: serial) {
        case .valid: break
        case .revokedKey(let k):
            return verdict(.suspicious, "Tem dùng khóa đã bị thu hồi: cần kiểm tra thêm.", "tag made with revoked key \(k)", code: code)
        case .unknownKey(let k):
            return verdict(.forged, "Mã xác thực không hợp lệ: nghi là tem giả.", "tag key \(k) does not exist", code: code)
        case .invalid, .malformed:
            return verdict(.forged, "Mã xác thực không khớp: tem giả hoặc bị sửa.", "authenticity tag does not match the serial", code: code)
        }
        var v = verdict(.genuine, "", "", code: code)
        v.productName = product.name
        v.producer = product.producer
        let issued = (try? allocator.wasIssued(gtin: gtin, serial: serial, format: product.serialFormat)) ?? false
        let stamp = try? ledger.stamp(gtin: gtin, serial: serial)
        v.scanCount = (try? store.pool.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM event_epcs x JOIN events e ON e.seq = x.seq WHERE x.epc = ? AND e.biz_step = 'inspecting'
                """, arguments: [Stamp.epc(gtin: gtin, serial: serial)])
        }) ?? 0
        v.history = ((try? ledger.events.events(identifier: Stamp.epc(gtin: gtin, serial: serial))) ?? []).map(StampVerdict.Step.init)
        // A roll stamp carries no lot or dates: the ledger knows them once it is on an item.
        if v.lot == nil { v.lot = stamp?.lot }
        if v.expiry == nil { v.expiry = stamp?.expiry }
        guard issued || stamp != nil else {
            v.kind = .unknown
            v.message = "Tem đúng định dạng nhưng trạm này chưa từng phát hành (chưa kiểm tra với máy chủ tỉnh)."
            v.reason = "serial never issued by this station"
            return v
        }
        if stamp == nil, let roll = try? StampRolls.stamp(gtin: gtin, serial: serial, in: store) {
            if roll.state == .voided {
                v.kind = .void
                v.message = "Tem thuộc cuộn tem đã bị hủy (mất cuộn): không được lưu hành."
                v.reason = "stamp of voided roll \(roll.rollID), never activated"
            } else {
                v.kind = .notActivated
                v.message = "Tem in sẵn (cuộn số \(roll.rollID)) chưa được kích hoạt: chưa gắn với sản phẩm nào."
                v.reason = "issued on roll \(roll.rollID), not activated"
            }
            return v
        }
        if let stamp, stamp.lot != code.lot, code.lot != nil {
            v.kind = .forged
            v.message = "Số lô trên tem không khớp với lô đã in: tem bị sửa."
            v.reason = "lot \(code.lot ?? "") on the code, \(stamp.lot) in the ledger"
            return v
        }
        if stamp?.state == .voided {
            v.kind = .void
            v.message = "Tem đã bị hủy: không được lưu hành."
            v.reason = "stamp was voided"
            return v
        }
        if let stamp, let recall = try? ledger.recall(batchID: stamp.batchID) {
            if let e = try? ledger.events.events(identifier: Stamp.lotClass(gtin: gtin, lot: recall.lot)).first(where: { $0.eventID == recall.eventID }) {
                v.history.append(StampVerdict.Step(e))
            }
            v.kind = .recalled
            v.message = "Lô \(recall.lot) đã bị thu hồi (\(recall.reason)): không bán, không sử dụng sản phẩm này."
            v.reason = "batch \(recall.lot) recalled at \(recall.recalledAt): \(recall.reason)"
            return v
        }
        if v.scanCount >= suspiciousScanCount {
            v.kind = .suspicious
            v.message = "Tem đã được kiểm tra \(v.scanCount) lần: có thể bị sao chép."
            v.reason = "inspected \(v.scanCount) times"
            return v
        }
        v.message = "Tem thật: \(product.name), lô \(code.lot ?? stamp?.lot ?? "?")."
        v.reason = stamp?.state == .commissioned ? "issued and commissioned here, tag valid" : "issued here, tag valid (not yet confirmed printed)"
        return v
    }
}
