import EPCIS
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Trace
@testable import TraceServer

@Suite("Stamp verification") struct VerificationTests {
    /// Sends `events` as the station they belong to.
    func capture(_ h: Harness, _ events: [StoredEvent], station id: String = "BK-NARI-01") async throws {
        let station = try #require(try await h.core.storage.stations().first { $0.id == id })
        let a = try await h.core.capture(body: try StationFixture.document(events), station: station, firstSequence: nil)
        #expect(a.rejected.isEmpty)
    }

    func verdict(_ h: Harness, _ stamp: (path: String, query: String)) async throws -> VerificationResult {
        try await h.core.verify(path: stamp.path, query: stamp.query)
    }

    @Test func genuineStampWithProductAndHistory() async throws {
        let h = try await Harness.make()
        let f = try StationFixture(ring: h.ring)
        let (r, events) = try f.commission(2)
        try await capture(h, events)
        try await h.core.storage.putProduct(ProductRecord(gtin: StationFixture.gtin, name: "Miến dong Na Rì", producer: "HTX Na Rì",
                                                          producerAddress: "Na Rì, Bắc Kạn", producerGLN: "8938512340005"))
        let v = try await verdict(h, try f.stampPath(serial: r.serial(at: 0)))
        #expect(v.verdict == .genuine)
        #expect(v.product?.name == "Miến dong Na Rì")
        #expect(v.producer?.address == "Na Rì, Bắc Kạn")
        #expect(v.lot == StationFixture.lot)
        #expect(v.expiry == "2026-03-13")
        #expect(v.history.map(\.eventID) == [events[0].eventID])
        #expect(v.history.first?.bizStep == "commissioning")
        #expect(v.scanCount == 1)
        #expect(v.message.hasPrefix("Tem thật"))
        // The Digital Link without the lot is the same stamp.
        #expect(try await verdict(h, try f.stampPath(serial: r.serial(at: 1), lot: nil)).verdict == .genuine)
    }

    @Test func forgedUnknownVoidAndNotAStamp() async throws {
        let h = try await Harness.make()
        let f = try StationFixture(ring: h.ring)
        let (r, events) = try f.commission(3)
        try await capture(h, Array(events.prefix(2)))     // the third stamp's print never reached the server
        let (s0, s1, s2) = (r.serial(at: 0), r.serial(at: 1), r.serial(at: 2))

        var badTag = try f.tagger.tag(gtin14: StationFixture.gtin, serial: s0)
        badTag = String(badTag.dropLast()) + (badTag.hasSuffix("Z") ? "Y" : "Z")
        #expect(try await verdict(h, try f.stampPath(serial: s0, tag: badTag)).verdict == .forged)
        // A tag copied from another stamp does not fit this serial.
        #expect(try await verdict(h, try f.stampPath(serial: s0, tag: try f.tagger.tag(gtin14: StationFixture.gtin, serial: s1))).verdict == .forged)
        let noTag = try await h.core.verify(path: try f.stampPath(serial: s0).path, query: "17=260313")
        #expect(noTag.verdict == .forged)
        #expect(try await verdict(h, try f.stampPath(serial: s0, lot: "OTHERLOT")).verdict == .forged)
        #expect(try await verdict(h, try f.stampPath(serial: s2)).verdict == .unknown)

        let void = try f.ledger().void(r, gtin: r.gtin, serial: s1, reason: "in lỗi")
        try await capture(h, [void])
        let v = try await verdict(h, try f.stampPath(serial: s1))
        #expect(v.verdict == .void)
        #expect(v.history.count == 2)

        let notAStamp = try await h.core.verify(path: "/01/08938512345018/21/ABC", query: nil)
        #expect(notAStamp.verdict == .notAStamp)
        let noSerial = try await h.core.verify(path: "/01/08938512345017/10/LOT1", query: nil)
        #expect(noSerial.verdict == .notAStamp)
    }

    @Test func withoutKeyRingNothingIsGenuine() async throws {
        let dir = temporaryDirectory("ts-nokeys")
        let storage = try SQLiteTraceStorage(dataDirectory: dir)
        try await storage.migrate()
        let core = TraceServerCore(storage: storage, keyRing: nil, logger: testLogger)
        let f = try StationFixture()
        let (r, _) = try f.commission(1)
        let v = try await core.verify(path: try f.stampPath(serial: r.serial(at: 0)).path, query: try f.stampPath(serial: r.serial(at: 0)).query)
        #expect(v.verdict == .unknown)
    }

    @Test func copiedStampWarnings() async throws {
        let h = try await Harness.make(suspiciousLookups: 4)
        let f = try StationFixture(ring: h.ring)
        let (r, events) = try f.commission(2)
        try await capture(h, events)
        let copied = Stamp.epc(gtin: r.gtin, serial: r.serial(at: 0))
        // Received at Na Rì, then at a Huế warehouse without ever being shipped from Na Rì.
        let day = 86_400.0
        let a = try f.ledger().observe(.receiving, epcs: [copied], at: Date().addingTimeInterval(-10 * day))
        let b = try f.ledger(station: "HUE-01", gln: "8938512349992").observe(.receiving, epcs: [copied], at: Date().addingTimeInterval(-2 * day))
        try await capture(h, [a])
        try await capture(h, [b], station: "HUE-01")
        let v = try await verdict(h, try f.stampPath(serial: r.serial(at: 0)))
        #expect(v.verdict == .suspicious)
        #expect(v.warnings.map(\.code) == ["received-in-several-places"])

        // Shipped in between: an ordinary journey.
        let other = Stamp.epc(gtin: r.gtin, serial: r.serial(at: 1))
        let e1 = try f.ledger().observe(.receiving, epcs: [other], at: Date().addingTimeInterval(-10 * day))
        let e2 = try f.ledger().observe(.shipping, epcs: [other], at: Date().addingTimeInterval(-9 * day))
        let e3 = try f.ledger(station: "HUE-01", gln: "8938512349992").observe(.receiving, epcs: [other], at: Date().addingTimeInterval(-8 * day))
        try await capture(h, [e1, e2])
        try await capture(h, [e3], station: "HUE-01")
        var last = try await verdict(h, try f.stampPath(serial: r.serial(at: 1)))
        #expect(last.verdict == .genuine)
        // Checked far more often than one real item is.
        for _ in 0..<3 { last = try await verdict(h, try f.stampPath(serial: r.serial(at: 1))) }
        #expect(last.scanCount == 4)
        #expect(last.verdict == .suspicious)
        #expect(last.warnings.map(\.code) == ["many-lookups"])
        // Counts survive a flush to the store.
        await h.core.lookups.flush()
        #expect(try await h.core.storage.lookupCount(epc: other) == 4)
    }

    @Test func recalledBatchVerifiesAsRecalledUntilTheRecallIsRetracted() async throws {
        let h = try await Harness.make()
        let f = try StationFixture(ring: h.ring)
        let (r, events) = try f.commission(2)
        try await capture(h, events)
        #expect(try await verdict(h, try f.stampPath(serial: r.serial(at: 0))).verdict == .genuine)

        let recall = try f.ledger().recall(batchID: f.batch.id, reason: "nhiễm nấm mốc")
        let recallEvents = try f.ledger().events.events(identifier: Stamp.lotClass(gtin: StationFixture.gtin, lot: StationFixture.lot))
        #expect(recallEvents.map(\.eventID) == [recall.eventID])
        try await capture(h, recallEvents)
        for i in 0..<2 {
            let v = try await verdict(h, try f.stampPath(serial: r.serial(at: i)))
            #expect(v.verdict == .recalled)
            #expect(v.message.contains("thu hồi") && v.message.contains("nhiễm nấm mốc"))
            #expect(v.history.last?.disposition == "recalled")
        }
        // A stamp of another lot of the same product is not touched by this recall.
        let b2 = try f.catalog.createBatch(gtin: StationFixture.gtin, lot: "MD250401B", productionDate: "2025-04-01",
                                           expiryDate: "2026-04-01", plannedQuantity: 10)
        let r2 = try f.allocator.reserve(batchID: b2.id, count: 1, purpose: "test")
        try await capture(h, try f.ledger().commission(r2, indices: 0..<1))
        #expect(try await verdict(h, try f.stampPath(serial: r2.serial(at: 0), lot: "MD250401B")).verdict == .genuine)
        // A recall declared erroneous no longer counts.
        guard case .object(var o) = try recallEvents[0].decoded() else { Issue.record("expected object event"); return }
        o.errorDeclaration = ErrorDeclaration(declarationTime: Date(), reason: .incorrectData)
        let station = try #require(try await h.core.storage.stations().first { $0.id == "BK-NARI-01" })
        _ = try await h.core.capture(body: EPCISDocument(creationDate: Date(), events: [.object(o)]).jsonData(), station: station, firstSequence: nil)
        #expect(try await verdict(h, try f.stampPath(serial: r.serial(at: 0))).verdict == .genuine)
    }

    @Test func provinceRollStampsVerifyByTheirGIAIThroughTheItemTheyAreOn() async throws {
        let h = try await Harness.make()
        let f = try StationFixture(ring: h.ring)
        let ledger = f.ledger()
        let rolls = StampRolls(store: f.store, allocator: f.allocator, tagger: f.tagger, ledger: ledger)
        let roll = try rolls.issueProvince(companyPrefix: "8938599", count: 3, province: "tỉnh Bắc Kạn",
                                           resolver: "https://txng.backan.gov.vn", template: "roll-30x40")
        let stamps = try rolls.stamps(rollID: roll.id)
        let active = try rolls.activateProvince(giai: try #require(stamps[0].giai), batchID: f.batch.id)
        try rolls.void(rollID: roll.id, reason: "mất cuộn")
        try await capture(h, try ledger.events.events(after: 0, limit: 100))
        func path(_ giai: String, _ tag: String) -> (path: String, query: String) { ("/8004/" + giai, "92=" + tag) }

        let v = try await verdict(h, path(stamps[0].giai!, stamps[0].tag))
        #expect(v.verdict == .genuine, "\(v.reason)")
        #expect(v.gtin == StationFixture.gtin && v.serial == active.serial && v.lot == StationFixture.lot)
        #expect(v.reason.hasPrefix("province stamp \(stamps[0].giai!) on item"))
        #expect(v.history.map(\.eventID) == [active.event.eventID])
        let lost = try await verdict(h, path(stamps[1].giai!, stamps[1].tag))
        #expect(lost.verdict == .void && lost.history.map(\.bizStep) == ["decommissioning"])
        #expect(try await verdict(h, path(stamps[1].giai!, stamps[2].tag)).verdict == .forged)
        let stray = "8938599ZZZZZZZZZZ"
        #expect(try await verdict(h, path(stray, try f.tagger.tag(gtin14: ProvinceStampCode.tagDomain, serial: stray))).verdict == .unknown)
        #expect(try await h.core.verify(path: "/8004/" + stray, query: nil).verdict == .forged)

        // Over HTTP, the GIAI path is a verify path like a GTIN's.
        try await h.run { client in
            try await client.execute(uri: "/8004/\(stamps[0].giai!)?92=\(stamps[0].tag)", method: .get) { resp in
                #expect(resp.status == .ok)
                let r = try JSONDecoder().decode(VerificationResult.self, from: Data(resp.body.readableBytesView))
                #expect(r.verdict == .genuine && r.serial == active.serial)
            }
        }
    }

    @Test func errorDeclarationRetractsAVoid() async throws {
        let h = try await Harness.make()
        let f = try StationFixture(ring: h.ring)
        let (r, events) = try f.commission(1)
        let void = try f.ledger().void(r, gtin: r.gtin, serial: r.serial(at: 0), reason: "nhầm")
        try await capture(h, events + [void])
        #expect(try await verdict(h, try f.stampPath(serial: r.serial(at: 0))).verdict == .void)
        guard case .object(var o) = try void.decoded() else { Issue.record("expected object event"); return }
        o.errorDeclaration = ErrorDeclaration(declarationTime: Date(), reason: .incorrectData)
        let station = try #require(try await h.core.storage.stations().first { $0.id == "BK-NARI-01" })
        let answer = try await h.core.capture(body: EPCISDocument(creationDate: Date(), events: [.object(o)]).jsonData(), station: station, firstSequence: nil)
        #expect(answer.accepted == [void.eventID])
        let v = try await verdict(h, try f.stampPath(serial: r.serial(at: 0)))
        #expect(v.verdict == .genuine)
        #expect(v.history.filter(\.correction).count == 1)
    }

    @Test func phonePageIsVietnameseAndEscaped() async throws {
        let h = try await Harness.make()
        let lot = #"L<b>&"x'"#
        let f = try StationFixture(ring: h.ring, lot: lot)
        let (r, events) = try f.commission(1)
        try await capture(h, events)
        try await h.core.storage.putProduct(ProductRecord(gtin: StationFixture.gtin, name: "Miến <i>dong</i>", producer: "HTX \"Na Rì\"",
                                                          producerGLN: "8938512340005"))
        let stamp = try f.stampPath(serial: r.serial(at: 0), lot: lot)
        try await h.run { client in
            var headers: HTTPFields = [:]
            headers[.accept] = "text/html,application/xhtml+xml,*/*;q=0.8"
            try await client.execute(uri: stamp.path + "?" + stamp.query, method: .get, headers: headers) { resp in
                #expect(resp.status == .ok)
                #expect(resp.headers[.contentType]?.hasPrefix("text/html") == true)
                let page = String(buffer: resp.body)
                #expect(page.contains("lang=\"vi\""))
                #expect(page.contains("TEM THẬT"))
                #expect(page.contains("Hạn sử dụng"))
                #expect(page.contains("13/03/2026"))
                #expect(page.contains("L&lt;b&gt;&amp;&quot;x&#39;"))
                #expect(page.contains("Miến &lt;i&gt;dong&lt;/i&gt;"))
                #expect(!page.contains("<b>") && !page.contains("<i>"))
            }
            try await client.execute(uri: stamp.path + "?" + stamp.query, method: .get) { resp in
                #expect(resp.headers[.contentType]?.hasPrefix("application/json") == true)
                let v = try JSONDecoder().decode(VerificationResult.self, from: Data(resp.body.readableBytesView))
                #expect(v.verdict == .genuine)
                #expect(v.lot == lot)
            }
            try await client.execute(uri: "/01/12345/21/X", method: .get, headers: headers) { resp in
                #expect(resp.status == .badRequest)
                #expect(String(buffer: resp.body).contains("KHÔNG PHẢI TEM TRUY XUẤT"))
            }
        }
    }

    @Test func escapeCoversEveryHTMLSpecialCharacter() {
        #expect(VerificationPage.escape(#"<a href="x" onclick='y'>&</a>"#) == "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        #expect(VerificationPage.escape("Miến dong · Lô 1") == "Miến dong · Lô 1")
    }
}
