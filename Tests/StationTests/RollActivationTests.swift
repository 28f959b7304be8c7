import EPCIS
import Foundation
import GRDB
import Testing
@testable import Station
@testable import Trace

/// Pre-printed rolls through the scanner path: StationCore.recordScan with scanners configured in
/// activation mode, as the daemon's scanner services call it.
@Suite struct RollActivationTests {
    static let gtin = "08938512345017"
    static let companyPrefix = "8938599"

    struct Line {
        let core: StationCore
        var trace: TraceServices { core.trace }
        let lotA: Batch

        func scan(_ text: String, on scanner: String = "line") throws -> ScanRecord {
            try core.recordScan(Array(text.utf8), scanner: scanner)
        }

        func link(_ s: RollStamp, resolver: String? = nil) throws -> String {
            try StampCode.rollLink(resolver: resolver ?? core.config.resolverBase, gtin: s.gtin, serial: s.serial, tag: s.tag)
        }

        func issue(_ n: Int, resolver: String? = nil) throws -> (StampRoll, [RollStamp]) {
            let r = try trace.rolls.issue(gtin: RollActivationTests.gtin, count: n, province: "tỉnh Bắc Kạn",
                                          resolver: resolver ?? core.config.resolverBase, template: "roll-30x40")
            return (r, try trace.rolls.stamps(rollID: r.id))
        }

        func issueProvince(_ n: Int) throws -> (StampRoll, [RollStamp]) {
            let r = try trace.rolls.issueProvince(companyPrefix: RollActivationTests.companyPrefix, count: n, province: "tỉnh Bắc Kạn",
                                                  resolver: core.config.resolverBase, template: "roll-30x40")
            return (r, try trace.rolls.stamps(rollID: r.id))
        }

        func provinceLink(_ s: RollStamp) throws -> String {
            let giai = try #require(s.giai)
            return try ProvinceStampCode.link(resolver: core.config.resolverBase, giai: giai, tag: s.tag)
        }

        func lastScanLog() throws -> String {
            try core.store.pool.read { try String.fetchOne($0, sql: "SELECT outcome FROM scan_log ORDER BY id DESC LIMIT 1") ?? "" }
        }
    }

    /// A station with scanner `line` (activation, no batch set), `line2` (activation, batch LOT-B)
    /// and `desk` (inspecting); one product with the open batch LOT-A.
    func setUp() throws -> Line {
        let dir = StationProcess.temporaryDirectory()
        let file = dir.appendingPathComponent("station.toml")
        try """
            [data]
            dir = "\(dir.path)"
            [printers.line1]
            driver = "virtual"
            [scanners.line]
            source = "stdin"
            mode = "activation"
            debounce = 0.001
            [scanners.line2]
            source = "stdin"
            mode = "activation"
            batch = "LOT-B"
            debounce = 0.001
            [scanners.desk]
            source = "stdin"
            mode = "inspecting"
            debounce = 0.001
            """.write(to: file, atomically: true, encoding: .utf8)
        let config = try StationConfig.load(file: file.path, environment: [:])
        let core = try StationCore(config: config)
        _ = try core.trace.catalog.addProduct(Product(gtin: Self.gtin, name: "Miến dong Na Rì", producer: "HTX Côn Minh",
                                                      producerGLN: "8938512340005", shelfLifeDays: 364))
        let lot = try core.trace.catalog.createBatch(gtin: Self.gtin, lot: "LOT-A", productionDate: "2025-03-14", expiryDate: nil, plannedQuantity: 100)
        return Line(core: core, lotA: lot)
    }

    @Test("a scanner in activation mode commissions a roll stamp into the open batch, with lot and expiry")
    func activates() throws {
        let line = try setUp()
        #expect(line.core.config.scanners.first { $0.name == "line" }?.mode == .activation)
        let (roll, stamps) = try line.issue(5)
        #expect(line.trace.verifier.verify(try line.link(stamps[0])).kind == .notActivated)

        let r = try line.scan(try line.link(stamps[0]))
        #expect(r.outcome == .accepted, "\(r.message)")
        #expect(r.message.contains("lô LOT-A"))
        let epc = Stamp.epc(gtin: Self.gtin, serial: stamps[0].serial)
        let events = try line.trace.ledger.events.events(identifier: epc)
        #expect(events.count == 1)
        #expect(events.first?.bizStep == "commissioning")
        #expect(events.first?.eventID == r.eventID)
        let body = String(decoding: try #require(events.first?.body), as: UTF8.self)
        #expect(body.contains("LOT-A") && body.contains("2026-03-13"), "ILMD carries the batch's lot and expiry")

        #expect(try line.trace.ledger.stamp(gtin: Self.gtin, serial: stamps[0].serial)?.state == .commissioned)
        let v = line.trace.verifier.verify(try line.link(stamps[0]))
        #expect(v.kind == .genuine, "\(v.reason)")
        let after = try #require(try line.trace.rolls.roll(id: roll.id))
        #expect((after.active, after.unused, after.void, after.status) == (1, 4, 0, .partlyUsed))
    }

    @Test("bad stamps are rejected with their reason on screen and kept in the scan log")
    func rejects() throws {
        let line = try setUp()
        let (_, stamps) = try line.issue(3)
        #expect(try line.scan(try line.link(stamps[0])).outcome == .accepted)

        var cases: [(String, String)] = []
        // Already activated.
        cases.append((try line.link(stamps[0]), "đã được kích hoạt rồi (lô LOT-A)"))
        // Another province: same data under another Digital Link host.
        cases.append((try line.link(stamps[1], resolver: "https://txng.hue.gov.vn"), "tỉnh khác (tên miền txng.hue.gov.vn"))
        // Another province's key ring: the tag does not verify with ours.
        let otherRing = StampTagger(ring: StampKeyRing.generate())
        let foreign = try StampCode.rollLink(resolver: line.core.config.resolverBase, gtin: Self.gtin, serial: stamps[1].serial,
                                             tag: try otherRing.tag(gtin14: Self.gtin, serial: stamps[1].serial))
        cases.append((foreign, "không khớp khóa của tỉnh này"))
        // A well-formed stamp with a valid tag whose serial is on no roll.
        let stray = "ZZZZZZZZZZ"
        cases.append((try StampCode.rollLink(resolver: line.core.config.resolverBase, gtin: Self.gtin, serial: stray,
                                             tag: try line.trace.tagger.tag(gtin14: Self.gtin, serial: stray)), "không thuộc cuộn tem nào"))
        // A stamp this station printed itself (print job), not a roll stamp.
        let res = try line.trace.allocator.reserve(batchID: line.lotA.id, count: 1, purpose: "test")
        try line.trace.ledger.commission(res, indices: 0..<1)
        let printed = res.serial(at: 0)
        cases.append((try StampCode.rollLink(resolver: line.core.config.resolverBase, gtin: Self.gtin, serial: printed,
                                             tag: try line.trace.tagger.tag(gtin14: Self.gtin, serial: printed)), "tem in tại trạm"))
        // A product registered nowhere here.
        cases.append(("https://txng.backan.gov.vn/01/08938512349992/21/ABCDEF?92=A2345678", "chưa đăng ký tại trạm này"))
        // A stamp of a voided (lost) roll.
        let (lost, lostStamps) = try line.issue(2)
        try line.trace.rolls.void(rollID: lost.id, reason: "mất cuộn khi vận chuyển")
        cases.append((try line.link(lostStamps[0]), "đã bị hủy (mất cuộn)"))

        for (text, reason) in cases {
            let r = try line.scan(text)
            #expect(r.outcome == .rejected, "\(text) was \(r.outcome)")
            #expect(r.message.contains(reason), "\(text): \(r.message)")
            #expect(r.eventID == nil)
            #expect(try line.lastScanLog() == "rejected: " + r.message)
        }
        // Nothing rejected was commissioned.
        #expect(try line.trace.ledger.stamp(gtin: Self.gtin, serial: stamps[1].serial) == nil)
        let roll = try #require(try line.trace.rolls.roll(id: stamps[0].rollID))
        #expect((roll.active, roll.unused) == (1, 2))
    }

    @Test("the open batch is the scanner's batch, else the product's only one; two open batches are ambiguous")
    func batchChoice() throws {
        let line = try setUp()
        let (_, stamps) = try line.issue(4)
        _ = try line.trace.catalog.createBatch(gtin: Self.gtin, lot: "LOT-B", productionDate: "2025-03-15", expiryDate: nil, plannedQuantity: 100)
        let ambiguous = try line.scan(try line.link(stamps[0]))
        #expect(ambiguous.outcome == .rejected)
        #expect(ambiguous.message.contains("Có 2 lô đang mở (LOT-A, LOT-B)"))
        let bound = try line.scan(try line.link(stamps[0]), on: "line2")
        #expect(bound.outcome == .accepted, "\(bound.message)")
        #expect(try line.trace.rolls.stamps(rollID: stamps[0].rollID)[0].batchID != line.lotA.id)
        _ = try line.trace.catalog.closeBatch(id: line.lotA.id)
        #expect(try line.scan(try line.link(stamps[1])).message.contains("lô LOT-B"))
        _ = try line.trace.catalog.closeBatch(id: try line.trace.catalog.batch(named: "LOT-B").id)
        let none = try line.scan(try line.link(stamps[2]))
        #expect(none.outcome == .rejected && none.message.contains("Chưa có lô nào đang mở"))
        let closed = try line.scan(try line.link(stamps[2]), on: "line2")
        #expect(closed.outcome == .rejected && closed.message.contains("lô đã đóng"))
    }

    @Test("roll status counts after a mix of activations, a voided stamp and a lost roll")
    func statusCounts() throws {
        let line = try setUp()
        let (fresh, _) = try line.issue(3)
        let (used, usedStamps) = try line.issue(2)
        let (lost, lostStamps) = try line.issue(10)
        for s in usedStamps + lostStamps.prefix(3) { #expect(try line.scan(try line.link(s)).outcome == .accepted) }
        try line.trace.ledger.void(nil, gtin: Self.gtin, serial: lostStamps[1].serial, reason: "tem rách")
        #expect(try line.trace.rolls.void(rollID: lost.id, reason: "mất cuộn") == 7)
        #expect(throws: RollError.rollVoided(lost.id)) { try line.trace.rolls.void(rollID: lost.id, reason: "lần nữa") }
        #expect(throws: RollError.reasonRequired) { try line.trace.rolls.void(rollID: fresh.id, reason: " ") }

        let byID = Dictionary(uniqueKeysWithValues: try line.trace.rolls.rolls().map { ($0.id, $0) })
        let f = try #require(byID[fresh.id]), u = try #require(byID[used.id]), l = try #require(byID[lost.id])
        #expect((f.active, f.unused, f.void, f.status) == (0, 3, 0, .issued))
        #expect((u.active, u.unused, u.void, u.status) == (2, 0, 0, .usedUp))
        #expect((l.active, l.unused, l.void, l.status) == (2, 0, 8, .voided))
        #expect(l.voidReason == "mất cuộn")
    }

    @Test("a voided roll's unused stamps verify as void, with a decommissioning event; activated ones stay genuine")
    func voidedRollVerifies() throws {
        let line = try setUp()
        let (roll, stamps) = try line.issue(3)
        #expect(try line.scan(try line.link(stamps[0])).outcome == .accepted)
        try line.trace.rolls.void(rollID: roll.id, reason: "mất cuộn khi vận chuyển")
        let void = line.trace.verifier.verify(try line.link(stamps[1]))
        #expect(void.kind == .void)
        #expect(void.message.contains("đã bị hủy"))
        #expect(line.trace.verifier.verify(try line.link(stamps[0])).kind == .genuine)
        let events = try line.trace.ledger.events.events(identifier: Stamp.epc(gtin: Self.gtin, serial: stamps[2].serial))
        #expect(events.map(\.bizStep) == ["decommissioning"])
        #expect(String(decoding: events[0].body, as: UTF8.self).contains("mất cuộn khi vận chuyển"))
        // The inspector's desk flags it like any void stamp.
        #expect(try line.scan(try line.link(stamps[1]), on: "desk").outcome == .flagged)
    }

    @Test("a roll printed under the province's earlier resolver host is still this station's")
    func earlierResolver() throws {
        let line = try setUp()
        let (_, stamps) = try line.issue(2, resolver: "https://qr.backan.gov.vn")
        let r = try line.scan(try line.link(stamps[0], resolver: "https://qr.backan.gov.vn"))
        #expect(r.outcome == .accepted, "\(r.message)")
        // The same serial under a third host is not.
        let other = try line.scan(try line.link(stamps[1], resolver: "https://txng.langson.gov.vn"))
        #expect(other.outcome == .rejected && other.message.contains("tỉnh khác"))
    }

    @Test("roll serials never overlap print-job serials and count as issued")
    func noOverlap() throws {
        let line = try setUp()
        let job = try line.trace.allocator.reserve(batchID: line.lotA.id, count: 50, purpose: "test")
        let (_, a) = try line.issue(50)
        let job2 = try line.trace.allocator.reserve(batchID: line.lotA.id, count: 50, purpose: "test")
        let (_, b) = try line.issue(50)
        let all = job.serials + job2.serials + a.map(\.serial) + b.map(\.serial)
        #expect(Set(all).count == 200)
        #expect(try a.allSatisfy { try line.trace.allocator.wasIssued(gtin: Self.gtin, serial: $0.serial, format: .random) })
        #expect(try a.allSatisfy { line.trace.tagger.verify(tag: $0.tag, gtin14: Self.gtin, serial: $0.serial) == .valid(keyID: "A") })
        #expect(throws: RollError.invalidCount(0)) { try line.issue(0) }
    }

    @Test("a province roll has no product: each stamp is a GIAI, activated onto an item of whatever batch is open")
    func provinceRollActivates() throws {
        let line = try setUp()
        let other = try line.trace.catalog.addProduct(Product(gtin: "08938512345024", name: "Thanh trà Thủy Biều", producer: "HTX Thủy Biều",
                                                              producerGLN: "8938512340005", shelfLifeDays: 30))
        let lotB = try line.trace.catalog.createBatch(gtin: other.gtin, lot: "LOT-B", productionDate: "2025-09-01", expiryDate: nil, plannedQuantity: 100)
        let (roll, stamps) = try line.issueProvince(4)
        #expect(roll.gtin == nil && roll.companyPrefix == Self.companyPrefix)
        let giais = stamps.compactMap(\.giai)
        #expect(giais.count == 4 && Set(giais).count == 4 && giais.allSatisfy { $0.hasPrefix(Self.companyPrefix) && $0.count <= 30 })
        let link = try line.provinceLink(stamps[0])
        #expect(link == "https://txng.backan.gov.vn/8004/\(giais[0])?92=\(stamps[0].tag)")
        #expect(line.trace.verifier.verify(link).kind == .notActivated)

        // Two open batches of two products: the scanner without a batch cannot choose; line2 names LOT-B.
        let ambiguous = try line.scan(link)
        #expect(ambiguous.outcome == .rejected && ambiguous.message.contains("Có 2 lô đang mở"), "\(ambiguous.message)")
        let r = try line.scan(link, on: "line2")
        #expect(r.outcome == .accepted, "\(r.message)")
        #expect(r.message.contains("Thanh trà Thủy Biều") && r.message.contains("lô LOT-B"))
        let bound = try line.trace.rolls.stamps(rollID: roll.id)[0]
        let itemSerial = try #require(bound.itemSerial)
        #expect(bound.state == .commissioned && bound.batchID == lotB.id && bound.itemGTIN == other.gtin)
        #expect(try line.trace.allocator.wasIssued(gtin: other.gtin, serial: itemSerial, format: .random), "the item's serial comes from the product's own serial space")

        // One commissioning event names the item and the stamp, with the batch's lot.
        let events = try line.trace.ledger.events.events(identifier: ProvinceStampCode.epc(giai: giais[0]))
        #expect(events.map(\.eventID) == [r.eventID].compactMap { $0 })
        let first = try #require(events.first)
        let e = try #require(try JSONSerialization.jsonObject(with: first.body) as? [String: Any])
        #expect(e["epcList"] as? [String] == [Stamp.epc(gtin: other.gtin, serial: itemSerial), ProvinceStampCode.epc(giai: giais[0])])
        #expect((e["ilmd"] as? [String: String])?["cbvmda:lotNumber"] == "LOT-B")

        // Verified, the stamp stands for its item.
        let v = line.trace.verifier.verify(link)
        #expect(v.kind == .genuine, "\(v.reason)")
        #expect(v.gtin == other.gtin && v.serial == itemSerial && v.lot == "LOT-B" && v.productName == "Thanh trà Thủy Biều")
        let again = try line.scan(link, on: "line2")
        #expect(again.outcome == .rejected && again.message.contains("đã được kích hoạt rồi (lô LOT-B)"), "\(again.message)")
        // Other scan modes record events about the item.
        let desk = try line.scan(link, on: "desk")
        #expect(desk.outcome == .accepted, "\(desk.message)")
        #expect(try line.trace.ledger.events.events(identifier: Stamp.epc(gtin: other.gtin, serial: itemSerial)).map(\.bizStep)
                == ["commissioning", "inspecting"])

        // Bad province stamps, each with its reason.
        let foreignTag = try StampTagger(ring: StampKeyRing.generate()).tag(gtin14: ProvinceStampCode.tagDomain, serial: giais[1])
        let stray = Self.companyPrefix + "ZZZZZZZZZZ"
        let cases: [(String, String)] = [
            (try ProvinceStampCode.link(resolver: line.core.config.resolverBase, giai: giais[1], tag: foreignTag), "không khớp khóa của tỉnh này"),
            (try ProvinceStampCode.link(resolver: line.core.config.resolverBase, giai: stray,
                                        tag: try line.trace.tagger.tag(gtin14: ProvinceStampCode.tagDomain, serial: stray)), "không thuộc cuộn tem nào"),
            ("https://txng.backan.gov.vn/8004/\(giais[1])", "thiếu mã xác thực"),
        ]
        for (text, reason) in cases {
            let x = try line.scan(text, on: "line2")
            #expect(x.outcome == .rejected && x.message.contains(reason), "\(text): \(x.message)")
        }
        #expect(line.trace.verifier.verify(cases[0].0).kind == .forged)
        #expect(line.trace.verifier.verify(cases[1].0).kind == .unknown)

        // A lost province roll: its unused stamps are void (decommissioning events on their GIAIs); the activated one stays genuine.
        #expect(try line.trace.rolls.void(rollID: roll.id, reason: "mất cuộn") == 3)
        let lost = line.trace.verifier.verify(try line.provinceLink(stamps[2]))
        #expect(lost.kind == .void && lost.history.map(\.bizStep) == ["decommissioning"], "\(lost)")
        #expect(line.trace.verifier.verify(link).kind == .genuine)
        let voided = try line.scan(try line.provinceLink(stamps[3]), on: "line2")
        #expect(voided.outcome == .rejected && voided.message.contains("đã bị hủy (mất cuộn)"), "\(voided.message)")
        let after = try #require(try line.trace.rolls.roll(id: roll.id))
        #expect((after.active, after.unused, after.void, after.status) == (1, 0, 3, .voided))
        #expect(throws: RollError.invalidCompanyPrefix("89A")) {
            try line.trace.rolls.issueProvince(companyPrefix: "89A", count: 1, province: "", resolver: line.core.config.resolverBase, template: "roll-30x40")
        }
    }
}
