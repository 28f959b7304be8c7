import EPCIS
import Foundation
import GS1
import Trace

/// What the server tells a consumer or inspector about one stamp.
public struct VerificationResult: Codable, Sendable, Equatable {
    public struct ProductInfo: Codable, Sendable, Equatable {
        public var gtin: String
        public var name: String?
    }
    public struct ProducerInfo: Codable, Sendable, Equatable {
        public var name: String
        public var address: String
        public var gln: String
    }
    public struct HistoryEntry: Codable, Sendable, Equatable {
        public var eventID: String
        public var eventTime: String
        public var bizStep: String?
        public var disposition: String?
        public var action: String?
        public var readPoint: String?
        public var bizLocation: String?
        public var stationID: String?
        /// True for an error declaration: the event with this ID was declared erroneous.
        public var correction: Bool
    }
    public struct Warning: Codable, Sendable, Equatable {
        /// Stable identifier for programs: `many-lookups`, `received-in-several-places`, `seen-in-many-places`, `revoked-key`.
        public var code: String
        /// One sentence in Vietnamese.
        public var message: String
    }

    public var verdict: StampVerdict.Kind
    /// One sentence in Vietnamese.
    public var message: String
    /// Why, in English, for logs and audits.
    public var reason: String
    public var gtin: String?
    public var serial: String?
    public var lot: String?
    public var expiry: String?
    public var product: ProductInfo?
    public var producer: ProducerInfo?
    public var history: [HistoryEntry]
    /// Public lookups of this stamp on the server, this one included.
    public var scanCount: Int
    public var warnings: [Warning]
}

extension TraceServerCore {
    /// Verifies the stamp named by a GS1 Digital Link path and query (`/01/…/21/…?17=…&92=…`).
    public func verify(path: String, query: String?) async throws -> VerificationResult {
        var text = DigitalLink.canonicalResolver + path
        if let q = query, !q.isEmpty { text += "?" + q }
        func result(_ kind: StampVerdict.Kind, _ vi: String, _ why: String, code: TraceCode? = nil) -> VerificationResult {
            VerificationResult(verdict: kind, message: vi, reason: why, gtin: code?.gtin.gtin14, serial: code?.serial, lot: code?.lot,
                               expiry: code?.expiry.map { String(format: "%04d-%02d-%02d", $0.year, $0.month, $0.lastDay) },
                               product: nil, producer: nil, history: [], scanCount: 0, warnings: [])
        }
        // Read once: a province stamp (a GIAI) or a trade item's code.
        let code: TraceCode
        do {
            let scanned = try ScannedGS1(parsing: text)
            if let province = ProvinceStampCode.stamp(scanned) { return try await verifyProvince(giai: province.giai, tag: province.tag) }
            code = try TraceCode(scanned: scanned)
        } catch let e as GS1Error {
            return result(.notAStamp, "Đây không phải là mã truy xuất hợp lệ.", "not a valid GS1 Digital Link: \(e)")
        }
        guard let serial = code.serial else {
            return result(.notAStamp, "Mã này không có số sê-ri nên không phải là tem truy xuất.", "no serial (AI 21) in the code", code: code)
        }
        let gtin = code.gtin.gtin14
        let epc = Stamp.epc(gtin: gtin, serial: serial)
        let unflushed = lookups.record(epc)
        let facts = try await storage.stampFacts(epc: epc, gtin: gtin)

        var r = result(.genuine, "", "", code: code)
        r.scanCount = facts.lookups + unflushed
        let product = facts.product
        r.product = .init(gtin: gtin, name: product?.name)
        if let p = product { r.producer = .init(name: p.producer, address: p.producerAddress, gln: p.producerGLN) }
        let stored = facts.events
        r.history = stored.map(Self.historyEntry)

        guard let tagger else {
            r.verdict = .unknown
            r.message = "Máy chủ chưa được cấu hình khóa xác thực nên chưa thể khẳng định tem thật."
            r.reason = "the server was started without --keyring"
            return r
        }
        guard let tag = code.otherElements.first(where: { $0.ai == StampCode.tagAI })?.value else {
            r.verdict = .forged
            r.message = "Tem thiếu mã xác thực: nghi là tem giả."
            r.reason = "no authenticity tag (AI 92) on a serialized stamp"
            return r
        }
        switch tagger.verify(tag: tag, gtin14: gtin, serial: serial) {
        case .valid: break
        case .revokedKey(let k):
            r.warnings.append(.init(code: "revoked-key", message: "Tem được tạo bằng khóa đã bị thu hồi (khóa \(k))."))
        case .unknownKey(let k):
            r.verdict = .forged
            r.message = "Mã xác thực không hợp lệ: nghi là tem giả."
            r.reason = "tag key \(k) does not exist"
            return r
        case .invalid, .malformed:
            r.verdict = .forged
            r.message = "Mã xác thực không khớp: tem giả hoặc bị sửa."
            r.reason = "authenticity tag does not match the serial"
            return r
        }

        // Events declared erroneous no longer count; their declarations stay in the history.
        let retracted = Set(stored.filter(\.isCorrection).map(\.eventID))
        let effective = stored.filter { !$0.isCorrection && !retracted.contains($0.eventID) }
        guard let commissioning = effective.first(where: { $0.bizStep == BizStep.commissioning.rawValue }) else {
            r.verdict = .unknown
            r.message = "Mã xác thực hợp lệ nhưng máy chủ tỉnh chưa nhận dữ liệu in tem này (trạm có thể chưa đồng bộ)."
            r.reason = "tag valid, but no commissioning event for \(epc) has reached the server"
            return r
        }
        let printedLot = commissioning.lot
        if let onCode = code.lot, let printedLot, onCode != printedLot {
            r.verdict = .forged
            r.message = "Số lô trên tem không khớp với lô đã in: tem bị sửa."
            r.reason = "lot \(onCode) on the code, \(printedLot) when commissioned"
            return r
        }
        r.lot = printedLot ?? code.lot
        if let lot = r.lot, let e = facts.batches[lot]?.expiry { r.expiry = e }
        if effective.contains(where: { $0.bizStep == BizStep.decommissioning.rawValue || $0.bizStep == BizStep.destroying.rawValue }) {
            r.verdict = .void
            r.message = "Tem đã bị hủy: sản phẩm mang tem này không được lưu hành."
            r.reason = "stamp was decommissioned"
            return r
        }
        if let lot = r.lot, let recall = Self.recallEvent(facts.lotEvents, lot: lot) {
            let why = (try? recall.decoded())?.station?.reason ?? "không rõ lý do"
            r.history.append(Self.historyEntry(recall))
            r.verdict = .recalled
            r.message = "Lô \(lot) đã bị thu hồi (\(why)): không bán, không sử dụng sản phẩm này."
            r.reason = "batch \(lot) recalled\(recall.stationID.map { " by station \($0)" } ?? ""): \(why)"
            return r
        }
        r.warnings += Self.copyWarnings(effective)
        if r.scanCount >= suspiciousLookups {
            r.warnings.append(.init(code: "many-lookups", message: "Tem đã được tra cứu \(r.scanCount) lần: có thể bị sao chép."))
        }
        let name = product?.name ?? "sản phẩm GTIN \(gtin)"
        if !r.warnings.isEmpty {
            r.verdict = .suspicious
            r.message = "Tem có mã xác thực đúng nhưng có dấu hiệu bị sao chép: " + r.warnings.map(\.message).joined(separator: " ")
            r.reason = "genuine tag with warnings: " + r.warnings.map(\.code).joined(separator: ", ")
            return r
        }
        r.message = "Tem thật: \(name), lô \(r.lot ?? "?")."
        r.reason = "tag valid, commissioned\(commissioning.stationID.map { " by station \($0)" } ?? "")"
        return r
    }

    /// A province roll's stamp (`/8004/<giai>?92=<tag>`): its tag, then what the province knows of
    /// it. Activated, it stands for the item its commissioning event names, verified as that item's
    /// stamp; voided before activation (a lost roll), it is void; otherwise not known to be on anything.
    func verifyProvince(giai: String, tag: String?) async throws -> VerificationResult {
        func result(_ kind: StampVerdict.Kind, _ vi: String, _ why: String) -> VerificationResult {
            VerificationResult(verdict: kind, message: vi, reason: why, gtin: nil, serial: giai, lot: nil, expiry: nil,
                               product: nil, producer: nil, history: [], scanCount: 0, warnings: [])
        }
        guard let tagger else {
            return result(.unknown, "Máy chủ chưa được cấu hình khóa xác thực nên chưa thể khẳng định tem thật.", "the server was started without --keyring")
        }
        guard let tag else { return result(.forged, "Tem thiếu mã xác thực: nghi là tem giả.", "province stamp \(giai) without an authenticity tag (AI 92)") }
        switch tagger.verify(tag: tag, gtin14: ProvinceStampCode.tagDomain, serial: giai) {
        case .valid, .revokedKey: break
        case .unknownKey(let k): return result(.forged, "Mã xác thực không hợp lệ: nghi là tem giả.", "tag key \(k) does not exist")
        case .invalid, .malformed: return result(.forged, "Mã xác thực không khớp: tem giả hoặc bị sửa.", "authenticity tag does not match GIAI \(giai)")
        }
        let stored = try await storage.events(EventQuery(epc: ProvinceStampCode.epc(giai: giai), limit: 1000))
        let retracted = Set(stored.filter(\.isCorrection).map(\.eventID))
        let effective = stored.filter { !$0.isCorrection && !retracted.contains($0.eventID) }
        if let commissioning = effective.first(where: { $0.bizStep == BizStep.commissioning.rawValue }),
           case .object(let o)? = try? commissioning.decoded(),
           let (gtin, serial) = o.epcList.lazy.compactMap(Stamp.parseEPC).first {
            var r = try await verify(path: "/01/\(gtin)/21/\(DigitalLinkText.encode(serial))",
                                     query: "92=" + (try tagger.tag(gtin14: gtin, serial: serial)))
            r.reason = "province stamp \(giai) on item \(serial): " + r.reason
            return r
        }
        var r: VerificationResult
        if effective.contains(where: { $0.bizStep == BizStep.decommissioning.rawValue }) {
            r = result(.void, "Tem thuộc cuộn tem đã bị hủy (mất cuộn): không được lưu hành.", "province stamp decommissioned before activation")
        } else {
            r = result(.unknown, "Mã xác thực hợp lệ nhưng máy chủ tỉnh chưa nhận dữ liệu kích hoạt tem này (tem chưa dán, hoặc trạm chưa đồng bộ).",
                       "tag valid, but no activation of GIAI \(giai) has reached the server")
        }
        r.history = stored.map(Self.historyEntry)
        return r
    }

    /// The event that recalled lot `lot` among a stamp's lot events (a class-level event with
    /// disposition recalled, not declared erroneous), or nil. Read with the stamp's other facts, in
    /// the same store read.
    static func recallEvent(_ events: [ServerEvent], lot: String) -> ServerEvent? {
        let mine = events.filter { $0.lot == lot }
        let retracted = Set(mine.filter(\.isCorrection).map(\.eventID))
        return mine.first { e in
            !e.isCorrection && !retracted.contains(e.eventID) && (try? e.decoded())?.disposition == .recalled
        }
    }

    /// Patterns one physical item cannot produce: received at a second place without having been
    /// shipped from the first, or seen at many different places.
    static func copyWarnings(_ events: [ServerEvent]) -> [VerificationResult.Warning] {
        var warnings: [VerificationResult.Warning] = []
        let ordered = events.sorted { $0.eventTime < $1.eventTime }
        var holder: String?
        var conflicts: Set<String> = []
        for e in ordered {
            guard let place = e.bizLocation else { continue }
            switch e.bizStep {
            case BizStep.receiving.rawValue:
                if let h = holder, h != place { conflicts.insert(h); conflicts.insert(place) }
                holder = place
            case BizStep.shipping.rawValue:
                holder = nil
            default:
                break
            }
        }
        if !conflicts.isEmpty {
            warnings.append(.init(code: "received-in-several-places",
                                  message: "Tem được nhập kho tại \(conflicts.count) nơi khác nhau mà không có lần xuất kho ở giữa."))
        }
        let observed = Set(ordered.filter { $0.bizStep == BizStep.inspecting.rawValue || $0.bizStep == BizStep.receiving.rawValue }
            .compactMap(\.bizLocation))
        if observed.count >= 3 {
            warnings.append(.init(code: "seen-in-many-places", message: "Tem được quét tại \(observed.count) địa điểm khác nhau."))
        }
        return warnings
    }

    static func historyEntry(_ e: ServerEvent) -> VerificationResult.HistoryEntry {
        let decoded = try? e.decoded()
        var readPoint: String?
        if case .object(let o)? = decoded { readPoint = o.readPoint }
        if case .aggregation(let a)? = decoded { readPoint = a.readPoint }
        let offset = decoded?.eventTimeZoneOffset ?? .vietnam
        return .init(eventID: e.eventID, eventTime: EventTime.string(e.eventTime, offset: offset), bizStep: e.bizStep,
                     disposition: decoded?.disposition?.rawValue, action: decoded?.action.rawValue, readPoint: readPoint,
                     bizLocation: e.bizLocation, stationID: e.stationID, correction: e.isCorrection)
    }
}

/// The Vietnamese page a phone shows after scanning a stamp. Every value from a request or the
/// store goes through ``escape(_:)``.
public enum VerificationPage {
    /// HTML-escapes text for element content and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func title(_ k: StampVerdict.Kind) -> (String, String) {
        switch k {
        case .genuine: ("TEM THẬT", "#1b7f3b")
        case .unknown: ("CHƯA XÁC ĐỊNH", "#8a6d00")
        case .forged: ("TEM GIẢ", "#b00020")
        case .void: ("TEM ĐÃ HỦY", "#b00020")
        case .recalled: ("LÔ HÀNG BỊ THU HỒI", "#b00020")
        case .suspicious: ("ĐÁNG NGỜ", "#c25400")
        case .notAStamp: ("KHÔNG PHẢI TEM TRUY XUẤT", "#555555")
        case .notActivated: ("TEM CHƯA KÍCH HOẠT", "#8a6d00")
        }
    }

    static func step(_ s: String?) -> String {
        switch s {
        case "commissioning": "In tem, đưa vào lưu thông"
        case "packing": "Đóng thùng"
        case "shipping": "Xuất kho"
        case "receiving": "Nhập kho"
        case "inspecting": "Kiểm tra"
        case "decommissioning": "Hủy tem"
        case "destroying": "Tiêu hủy"
        case "holding": "Tạm giữ, thu hồi lô"
        case nil: "Sự kiện"
        case let other?: other
        }
    }

    /// `2025-03-14T09:15:02.481+07:00` → `14/03/2025 09:15`.
    static func displayTime(_ t: String) -> String {
        let p = Array(t.utf8)
        guard p.count >= 16 else { return t }
        func s(_ r: Range<Int>) -> String { String(decoding: p[r], as: UTF8.self) }
        return "\(s(8..<10))/\(s(5..<7))/\(s(0..<4)) \(s(11..<16))"
    }

    static func displayDate(_ d: String) -> String {
        let parts = d.split(separator: "-")
        return parts.count == 3 ? "\(parts[2])/\(parts[1])/\(parts[0])" : d
    }

    public static func render(_ r: VerificationResult) -> String {
        let (title, color) = title(r.verdict)
        var rows: [(String, String)] = []
        if let n = r.product?.name { rows.append(("Sản phẩm", n)) }
        if let g = r.gtin { rows.append(("Mã GTIN", g)) }
        if let l = r.lot { rows.append(("Số lô", l)) }
        if let e = r.expiry { rows.append(("Hạn sử dụng", displayDate(e))) }
        if let s = r.serial { rows.append(("Số sê-ri", s)) }
        if let p = r.producer {
            rows.append(("Nhà sản xuất", p.name))
            if !p.address.isEmpty { rows.append(("Địa chỉ", p.address)) }
            rows.append(("GLN", p.gln))
        }
        rows.append(("Số lần tra cứu", String(r.scanCount)))
        var html = """
            <!DOCTYPE html>
            <html lang="vi"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) – Truy xuất nguồn gốc</title>
            <style>
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f4f4;color:#222}
            header{background:\(color);color:#fff;padding:20px 16px}
            header h1{margin:0;font-size:1.7em}
            header p{margin:8px 0 0;font-size:1.05em}
            main{padding:12px 16px}
            table{width:100%;border-collapse:collapse;background:#fff}
            th,td{text-align:left;padding:8px;border-bottom:1px solid #e2e2e2;vertical-align:top}
            th{width:38%;color:#555;font-weight:600}
            .warn{background:#fff3e0;border-left:4px solid #c25400;padding:8px 12px;margin:12px 0}
            h2{font-size:1.1em;margin:20px 0 8px}
            ol{padding-left:20px;background:#fff;margin:0}
            li{padding:6px 0;border-bottom:1px solid #eee}
            small{color:#666}
            </style></head><body>
            <header><h1>\(escape(title))</h1><p>\(escape(r.message))</p></header>
            <main>

            """
        for w in r.warnings { html += "<div class=\"warn\">⚠ \(escape(w.message))</div>\n" }
        html += "<table>\n"
        for (k, v) in rows { html += "<tr><th>\(escape(k))</th><td>\(escape(v))</td></tr>\n" }
        html += "</table>\n"
        if !r.history.isEmpty {
            html += "<h2>Hành trình sản phẩm</h2>\n<ol>\n"
            for h in r.history {
                var line = "<li><strong>\(escape(step(h.bizStep)))</strong>"
                if h.correction { line += " <em>(đã khai báo sai, được đính chính)</em>" }
                line += "<br><small>\(escape(displayTime(h.eventTime)))"
                if let place = h.bizLocation ?? h.readPoint { line += " · \(escape(place))" }
                if let s = h.stationID { line += " · trạm \(escape(s))" }
                line += "</small></li>\n"
                html += line
            }
            html += "</ol>\n"
        }
        html += "<p><small>Kết quả kiểm tra của máy chủ truy xuất nguồn gốc cấp tỉnh.</small></p>\n</main></body></html>\n"
        return html
    }
}
