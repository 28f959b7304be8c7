import EPCIS
import Foundation
import Testing
@testable import Trace

@Suite struct RecallTests {
    @Test func aRecallIsOneClassLevelEventThatClosesTheBatchAndMakesItsStampsVerifyAsRecalled() throws {
        let store = try temporaryStore()
        let (catalog, batch) = try sampleCatalog(store)
        let ring = StampKeyRing.generate()
        let allocator = try SerialAllocator(store: store, keys: ring, prefix: "")
        let tagger = StampTagger(ring: ring)
        let ledger = StampLedger(store: store, identity: identity)
        let verifier = StampVerifier(store: store, tagger: tagger, allocator: allocator, ledger: ledger)
        let r = try allocator.reserve(batchID: batch.id, count: 2, purpose: "print")
        _ = try ledger.commission(r, indices: 0..<2)
        let other = try catalog.createBatch(gtin: batch.gtin, lot: "MD250401B", productionDate: "2025-04-01", expiryDate: nil, plannedQuantity: 10)
        let r2 = try allocator.reserve(batchID: other.id, count: 1, purpose: "print")
        _ = try ledger.commission(r2, indices: 0..<1)
        func link(_ lot: String, _ serial: String) throws -> String {
            try StampCode.digitalLink(resolver: "https://txng.backan.gov.vn", gtin: batch.gtin, lot: lot, serial: serial, expiry: nil,
                                      tag: try tagger.tag(gtin14: batch.gtin, serial: serial))
        }
        let before = verifier.verify(try link("MD250314A", r.serial(at: 0)))
        #expect(before.kind == .genuine)
        #expect(before.history.map(\.bizStep) == ["commissioning"], "the station's own history of the stamp comes with the verdict")

        #expect(throws: RecallError.reasonRequired) { try ledger.recall(batchID: batch.id, reason: "  ") }
        let recall = try ledger.recall(batchID: batch.id, reason: "nhiễm nấm mốc", operatorID: "qa1")
        #expect(recall.lot == "MD250314A" && recall.reason == "nhiễm nấm mốc")
        #expect(try ledger.recall(batchID: batch.id) == recall)
        #expect(try ledger.recall(batchID: other.id) == nil)
        #expect(try ledger.recalls() == [recall])
        #expect(throws: RecallError.alreadyRecalled(lot: "MD250314A", at: recall.recalledAt)) {
            try ledger.recall(batchID: batch.id, reason: "lần hai")
        }
        #expect(try catalog.batch(id: batch.id).status == .closed, "a recalled batch takes no more stamps")

        // The event: OBSERVE, holding, recalled, the lot as a class (not one EPC per serial), the reason and operator.
        let lotClass = Stamp.lotClass(gtin: batch.gtin, lot: "MD250314A")
        #expect(lotClass == "https://id.gs1.org/01/08938512345017/10/MD250314A")
        let stored = try ledger.events.events(identifier: lotClass)
        #expect(stored.map(\.eventID) == [recall.eventID])
        let e = try jsonObject(stored[0].body)
        #expect(e["action"] as? String == "OBSERVE")
        #expect(e["bizStep"] as? String == "holding")
        #expect(e["disposition"] as? String == "recalled")
        #expect(e["epcList"] == nil || (e["epcList"] as? [String])?.isEmpty == true)
        #expect((e["quantityList"] as? [[String: Any]])?.first?["epcClass"] as? String == lotClass)
        #expect(e["txng:reason"] as? String == "nhiễm nấm mốc")
        #expect(e["txng:operatorID"] as? String == "qa1")
        #expect(try EPCISEvent(jsonData: stored[0].body).eventHash().id == recall.eventID)
        #expect(try ledger.events.verifyChain().isIntact)
        #expect(Stamp.parseLotClass(lotClass)! == (gtin: batch.gtin, lot: "MD250314A"))
        #expect(Stamp.parseLotClass(Stamp.epc(gtin: batch.gtin, serial: "A1")) == nil)

        for i in 0..<2 {
            let v = verifier.verify(try link("MD250314A", r.serial(at: i)))
            #expect(v.kind == .recalled)
            #expect(v.message.contains("thu hồi") && v.message.contains("nhiễm nấm mốc"))
            #expect(v.history.map(\.bizStep) == ["commissioning", "holding"])
            #expect(v.history.last?.disposition == "recalled" && v.history.last?.reason == "nhiễm nấm mốc")
        }
        // A voided stamp of the recalled lot stays void; another lot is untouched.
        _ = try ledger.void(nil, gtin: batch.gtin, serial: r.serial(at: 1), reason: "in lệch")
        let void = verifier.verify(try link("MD250314A", r.serial(at: 1)))
        #expect(void.kind == .void)
        #expect(void.history.map(\.bizStep) == ["commissioning", "decommissioning"] && void.history.last?.reason == "in lệch")
        #expect(verifier.verify(try link("MD250401B", r2.serial(at: 0))).kind == .genuine)
    }
}
