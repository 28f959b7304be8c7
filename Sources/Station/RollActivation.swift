import Foundation
import GS1
import Trace

extension StationCore {
    /// A scan in activation mode: binds a pre-printed roll stamp to the open batch (the scanner's
    /// `batch`, or the product's only open batch) with a commissioning event.
    ///
    /// Refused, each with its reason on screen: a stamp of another province (another Digital Link
    /// host, a product not registered here, a tag that does not verify with this province's keys),
    /// a serial on no roll of this station, a stamp already activated, a stamp of a voided roll.
    func activate(text: String, code: TraceCode, serial: String, scanner: String, at time: Date = Date()) throws -> (ScanRecord.Outcome, String, String?) {
        let gtin = code.gtin.gtin14
        if let host = Self.linkHost(text), let own = Self.linkHost(config.resolverBase), host != own,
           !issuedUnderHost(host, gtin: gtin, serial: serial) {
            return (.rejected, "Tem của tỉnh khác (tên miền \(host), trạm này dùng \(own)): không kích hoạt.", nil)
        }
        guard let product = try? trace.catalog.product(gtin: gtin) else {
            return (.rejected, "Sản phẩm \(gtin) chưa đăng ký tại trạm này: tem của tỉnh hoặc cơ sở khác, không kích hoạt.", nil)
        }
        if let refused = tagRefusal(code.otherElements.first(where: { $0.ai == StampCode.tagAI })?.value, gtin14: gtin, serial: serial) {
            return (.rejected, refused, nil)
        }
        let lot = config.scanners.first { $0.name == scanner }?.batch
        do {
            try trace.rolls.unusedStamp(gtin: gtin, serial: serial)
            let batch = try trace.rolls.activationBatch(gtin: gtin, lot: lot)
            let e = try trace.rolls.activate(gtin: gtin, serial: serial, batchID: batch.id, at: time)
            return (.accepted, "Đã kích hoạt tem \(serial): \(product.name), lô \(batch.lot).", e.eventID)
        } catch let e as RollError {
            return (.rejected, e.vietnamese, nil)
        } catch {
            if StoreError.classify(error) != nil { throw error }
            return (.rejected, "Không ghi được sự kiện kích hoạt: \(error)", nil)
        }
    }

    /// A province stamp scanned in activation mode: bound to an item of the open batch (the
    /// scanner's `batch`, or the station's only open batch), which gets a serial of its product.
    /// Refused with the reason: a tag that does not verify with this province's keys (another
    /// province's stamp or a forgery), a GIAI on no roll of this station, already activated, void.
    func activateProvince(giai: String, tag: String?, scanner: String, at time: Date = Date()) throws -> (ScanRecord.Outcome, String, String?) {
        if let refused = tagRefusal(tag, gtin14: ProvinceStampCode.tagDomain, serial: giai) { return (.rejected, refused, nil) }
        let lot = config.scanners.first { $0.name == scanner }?.batch
        do {
            guard try trace.rolls.stamp(giai: giai) != nil else {
                return (.rejected, "Tem \(giai) không thuộc cuộn tem nào của trạm này: không kích hoạt.", nil)
            }
            let batch = try trace.rolls.provinceActivationBatch(lot: lot)
            let product = try trace.catalog.product(gtin: batch.gtin)
            let (e, _, serial) = try trace.rolls.activateProvince(giai: giai, batchID: batch.id, at: time)
            return (.accepted, "Đã kích hoạt tem \(giai): \(product.name), lô \(batch.lot) (sê-ri sản phẩm \(serial)).", e.eventID)
        } catch let e as RollError {
            return (.rejected, e.vietnamese, nil)
        } catch {
            if StoreError.classify(error) != nil { throw error }
            return (.rejected, "Không ghi được sự kiện kích hoạt: \(error)", nil)
        }
    }

    /// Why a roll stamp's tag refuses activation (missing, revoked key, not this province's keys), or nil when it verifies.
    func tagRefusal(_ tag: String?, gtin14: String, serial: String) -> String? {
        guard let tag else { return "Tem thiếu mã xác thực (AI 92): không phải tem cuộn của tỉnh này." }
        switch trace.tagger.verify(tag: tag, gtin14: gtin14, serial: serial) {
        case .valid: return nil
        case .revokedKey(let k): return "Tem dùng khóa \(k) đã bị thu hồi: không kích hoạt, báo cho cơ quan quản lý."
        case .unknownKey, .invalid, .malformed: return "Mã xác thực không khớp khóa của tỉnh này: tem của tỉnh khác hoặc tem giả."
        }
    }

    /// Whether this station issued the stamp on a roll printed under `host` (the resolver was
    /// changed since): such a stamp is ours, not another province's.
    func issuedUnderHost(_ host: String, gtin: String, serial: String) -> Bool {
        guard let stamp = try? trace.rolls.stamp(gtin: gtin, serial: serial), let roll = try? trace.rolls.roll(id: stamp.rollID) else { return false }
        return Self.linkHost(roll.resolver) == host
    }

    /// The lower-cased host of an http(s) URL, nil for anything else (element strings).
    static func linkHost(_ text: String) -> String? {
        guard text.hasPrefix("http://") || text.hasPrefix("https://"), let host = URL(string: text)?.host else { return nil }
        return host.lowercased()
    }
}
