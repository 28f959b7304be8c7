import EPCIS
import Foundation
import GRDB
import Testing
@testable import Trace

let identity = StationIdentity(stationID: "BK-NARI-01", gln: "8938512340005", readPoint: "LINE01", resolver: "https://txng.backan.gov.vn")

func jsonObject(_ data: Data) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

@Suite struct EventStoreTests {
    @Test func commissioningEventHasTheShapeOfTheMissionSample() throws {
        let store = try temporaryStore()
        let (_, batch) = try sampleCatalog(store)
        let r = try SerialAllocator(store: store, keys: .generate(), prefix: "").reserve(batchID: batch.id, count: 3, purpose: "print")
        let ledger = StampLedger(store: store, identity: identity)
        let t = Date(timeIntervalSince1970: 1_741_918_502.481)   // 2025-03-14T09:15:02.481+07:00
        let stored = try ledger.commission(r, indices: 0..<3, operatorID: "op7", at: t)
        #expect(stored.map(\.seq) == [1, 2, 3])
        let e = try jsonObject(stored[0].body)
        #expect(e["type"] as? String == "ObjectEvent")
        #expect(e["eventTime"] as? String == "2025-03-14T09:15:02.481+07:00")
        #expect(e["eventTimeZoneOffset"] as? String == "+07:00")
        #expect(e["epcList"] as? [String] == ["https://id.gs1.org/01/08938512345017/21/\(r.serial(at: 0))"])
        #expect(e["action"] as? String == "ADD")
        #expect(e["bizStep"] as? String == "commissioning")
        #expect(e["disposition"] as? String == "active")
        #expect((e["readPoint"] as? [String: String])?["id"] == "https://id.gs1.org/414/8938512340005/254/LINE01")
        #expect((e["bizLocation"] as? [String: String])?["id"] == "https://id.gs1.org/414/8938512340005")
        #expect(e["ilmd"] as? [String: String] == ["cbvmda:lotNumber": "MD250314A", "cbvmda:itemExpirationDate": "2026-03-13"])
        #expect(e["txng:stationID"] as? String == "BK-NARI-01")
        #expect(e["txng:operatorID"] as? String == "op7")
        let id = try #require(e["eventID"] as? String)
        #expect(id.hasPrefix("ni:///sha-256;") && id.hasSuffix("?ver=CBV2.0"))
        #expect(try EPCISEvent(jsonData: stored[0].body).eventHash().id == id)
        #expect(Set(stored.map(\.eventID)).count == 3)
        #expect(try ledger.stamp(gtin: batch.gtin, serial: r.serial(at: 1))?.state == .commissioned)
    }

    @Test func voidReprintAndScansAreEventsAndStatesAreEnforced() throws {
        let store = try temporaryStore()
        let (_, batch) = try sampleCatalog(store)
        let r = try SerialAllocator(store: store, keys: .generate(), prefix: "").reserve(batchID: batch.id, count: 4, purpose: "print")
        let ledger = StampLedger(store: store, identity: identity)
        let first = try ledger.commission(r, indices: 0..<2)
        #expect(throws: LedgerError.alreadyCommissioned(serial: r.serial(at: 0))) { try ledger.commission(r, indices: 0..<1) }

        let reprint = try ledger.reprint(gtin: batch.gtin, serial: r.serial(at: 0), reason: "tem bị rách")
        let rj = try jsonObject(reprint.body)
        #expect(rj["txng:reprintOf"] as? String == first[0].eventID)
        #expect(rj["txng:reason"] as? String == "tem bị rách")
        _ = try ledger.reprint(gtin: batch.gtin, serial: r.serial(at: 0), reason: "lần 2")
        #expect(throws: LedgerError.reprintLimit(serial: r.serial(at: 0), limit: 2)) {
            try ledger.reprint(gtin: batch.gtin, serial: r.serial(at: 0), reason: "lần 3")
        }
        #expect(throws: LedgerError.reasonRequired) { try ledger.reprint(gtin: batch.gtin, serial: r.serial(at: 1), reason: " ") }

        let void = try ledger.void(nil, gtin: batch.gtin, serial: r.serial(at: 1), reason: "in lệch")
        let vj = try jsonObject(void.body)
        #expect(vj["action"] as? String == "DELETE")
        #expect(vj["bizStep"] as? String == "decommissioning")
        #expect(vj["disposition"] as? String == "inactive")
        #expect(throws: LedgerError.alreadyVoided(serial: r.serial(at: 1))) { try ledger.void(nil, gtin: batch.gtin, serial: r.serial(at: 1), reason: "x") }
        #expect(throws: LedgerError.notCommissioned(serial: r.serial(at: 1), state: "voided")) {
            try ledger.reprint(gtin: batch.gtin, serial: r.serial(at: 1), reason: "x")
        }
        // A reserved stamp that never reached paper can be voided through its reservation.
        _ = try ledger.void(r, gtin: batch.gtin, serial: r.serial(at: 3), reason: "không in")
        #expect(throws: LedgerError.alreadyVoided(serial: r.serial(at: 3))) { try ledger.commission(r, indices: 3..<4) }

        let epc = Stamp.epc(gtin: batch.gtin, serial: r.serial(at: 0))
        let out = try ledger.observe(.shipping, epcs: [epc])
        let inn = try ledger.observe(.receiving, epcs: [epc])
        let insp = try ledger.observe(.inspecting, epcs: [epc])
        #expect(try jsonObject(out.body)["disposition"] as? String == "in_transit")
        #expect(try jsonObject(inn.body)["bizStep"] as? String == "receiving")
        #expect(try jsonObject(insp.body)["action"] as? String == "OBSERVE")
        let pack = try ledger.pack(sscc: "389385123400000017", children: [epc])
        let pj = try jsonObject(pack.body)
        #expect(pj["type"] as? String == "AggregationEvent")
        #expect(pj["parentID"] as? String == "https://id.gs1.org/00/389385123400000017")
        #expect(pj["bizStep"] as? String == "packing")

        let history = try ledger.events.events(identifier: epc).map(\.bizStep)
        #expect(history == ["commissioning", "commissioning", "commissioning", "shipping", "receiving", "inspecting", "packing"])
        #expect(try ledger.events.verifyChain().isIntact)
        // 2 commissioning + 2 reprints + 2 voids + 3 observations of a stamp of this lot (the carton event has no lot).
        #expect(try ledger.events.events(lot: "MD250314A").count == 9)
    }

    @Test func eventsTableRefusesUpdatesAndDeletes() throws {
        let store = try temporaryStore()
        let ledger = StampLedger(store: store, identity: identity)
        _ = try ledger.observe(.inspecting, epcs: ["https://id.gs1.org/01/08938512345017/21/ABC"])
        #expect(throws: DatabaseError.self) { try store.pool.write { try $0.execute(sql: "UPDATE events SET body = x'00'") } }
        #expect(throws: DatabaseError.self) { try store.pool.write { try $0.execute(sql: "DELETE FROM events") } }
    }

    @Test func aClockSetBackHoldsEventTimesInThatStoreOnly() throws {
        let now = Date()
        let ahead = StampLedger(store: try temporaryStore(), identity: identity)
        let other = StampLedger(store: try temporaryStore(), identity: identity)
        let epc = "https://id.gs1.org/01/08938512345017/21/CLK"
        // Same sequence number in both stores: one store's newest time must not leak into the other.
        let future = try ahead.observe(.inspecting, epcs: [epc], at: now.addingTimeInterval(8 * 86_400))
        let first = try other.observe(.inspecting, epcs: [epc], at: now)
        #expect(future.seq == first.seq)
        #expect(try other.events.newestEventTime().map { abs($0.timeIntervalSince(now)) < 0.01 } == true)
        #expect(other.events.lastClockSetBack == nil)

        // The store whose newest event is ahead holds the next event at that time and says so.
        let held = try ahead.observe(.inspecting, epcs: [epc], at: now)
        #expect(held.eventTime == future.eventTime)
        let back = try #require(ahead.events.lastClockSetBack)
        #expect(abs(back.seconds - 8 * 86_400) < 1)
        #expect(other.events.lastClockSetBack == nil)
        #expect(try ahead.events.verifyChain().isIntact)
    }

    @Test(arguments: ["edit", "delete", "swap"])
    func tamperingIsFoundByChainVerification(kind: String) throws {
        let store = try temporaryStore()
        let ledger = StampLedger(store: store, identity: identity)
        for i in 0..<5 { _ = try ledger.observe(.inspecting, epcs: ["https://id.gs1.org/01/08938512345017/21/S\(i)"]) }
        #expect(try ledger.events.verifyChain() == ChainVerification(eventsChecked: 5, firstBrokenSeq: nil, problem: nil))
        // Someone with the database file drops the guards and rewrites history.
        try store.pool.write { db in
            try db.execute(sql: "DROP TRIGGER events_append_only_update; DROP TRIGGER events_append_only_delete")
            switch kind {
            case "edit":
                try db.execute(sql: "UPDATE events SET body = replace(body, 'S2', 'S9') WHERE seq = 3")
            case "delete":
                try db.execute(sql: "DELETE FROM events WHERE seq = 4")
            default:
                try db.execute(sql: "UPDATE events SET body = (SELECT body FROM events WHERE seq = 2), event_id = (SELECT event_id FROM events WHERE seq = 2) WHERE seq = 3")
            }
        }
        let v = try ledger.events.verifyChain()
        #expect(!v.isIntact)
        #expect(v.firstBrokenSeq == (kind == "delete" ? 5 : 3), "\(v)")
    }
}

extension EventStore {
    func events(lot: String) throws -> [StoredEvent] { try events(from: nil, to: nil, bizStep: nil, lot: lot) }
}
