import EPCIS
import Foundation
import Testing
import Trace
@testable import TraceServer

/// The storage contract, run against each backend by the suites below.
enum StorageChecks {
    static func station(_ s: any TraceStorage, id: String = "BK-NARI-01") async throws -> StationRecord {
        let record = StationRecord(id: id, name: "Dây chuyền 1", gln: "8938512340005", registeredAt: Date())
        try await s.addStation(record, tokenHash: TraceServerCore.tokenHash("token-\(id)"))
        return record
    }

    static func incoming(_ events: [StoredEvent], firstSequence: Int64? = nil) throws -> [IncomingEvent] {
        try events.enumerated().map { i, e in
            IncomingEvent(event: try e.decoded(), receivedAt: Date(), stationSequence: firstSequence.map { $0 + Int64(i) })
        }
    }

    static func idempotentCapture(_ s: any TraceStorage) async throws {
        let st = try await station(s)
        let f = try StationFixture()
        let (_, events) = try f.commission(5)
        let first = try await s.capture(incoming(events), stationID: st.id, sequences: nil)
        #expect(first.statuses == Array(repeating: .accepted, count: 5))
        // Resending (the answer was lost) changes nothing and says so per event.
        let again = try await s.capture(incoming(events), stationID: st.id, sequences: nil)
        #expect(again.statuses == Array(repeating: .duplicate, count: 5))
        // Within one request, a repeated event is stored once.
        let (_, more) = try f.commission(1)
        let twice = try await s.capture(incoming(more + more), stationID: st.id, sequences: nil)
        #expect(twice.statuses == [.accepted, .duplicate])
        let stored = try await s.events(EventQuery(limit: 100))
        #expect(stored.count == 6)
        #expect(Set(stored.map(\.eventID)) == Set((events + more).map(\.eventID)))
        // Stored bodies decode to the same events (same hash IDs).
        for e in stored { #expect(try e.decoded().eventHash().id == e.eventID) }
    }

    static func errorDeclarationIsACorrection(_ s: any TraceStorage) async throws {
        let st = try await station(s)
        let f = try StationFixture()
        let (_, events) = try f.commission(1)
        _ = try await s.capture(incoming(events), stationID: st.id, sequences: nil)
        var declared = try events[0].decoded()
        guard case .object(var o) = declared else { Issue.record("expected an object event"); return }
        o.errorDeclaration = ErrorDeclaration(declarationTime: Date(timeIntervalSince1970: 1_750_000_000), reason: .incorrectData)
        declared = .object(o)
        #expect(declared.eventHash().id == events[0].eventID, "a declaration keeps the retracted event's ID")
        let outcome = try await s.capture([IncomingEvent(event: declared, receivedAt: Date(), stationSequence: nil)], stationID: st.id, sequences: nil)
        #expect(outcome.statuses == [.accepted])
        let resent = try await s.capture([IncomingEvent(event: declared, receivedAt: Date(), stationSequence: nil)], stationID: st.id, sequences: nil)
        #expect(resent.statuses == [.duplicate])
        let rows = try await s.events(EventQuery(limit: 10))
        #expect(rows.count == 2)
        #expect(rows.filter(\.isCorrection).count == 1)
        #expect(Set(rows.map(\.eventID)).count == 1)
    }

    static func queries(_ s: any TraceStorage) async throws {
        let st = try await station(s)
        let other = try await station(s, id: "HUE-01")
        let f = try StationFixture()
        let march = Date(timeIntervalSince1970: 1_741_932_000)    // 2025-03-14
        let april = Date(timeIntervalSince1970: 1_744_610_400)    // 2025-04-14
        let (r, printed) = try f.commission(3, at: march)
        let epc = Stamp.epc(gtin: r.gtin, serial: r.serial(at: 0))
        let received = try f.ledger(station: "HUE-01", gln: "8938512349992").observe(.receiving, epcs: [epc], at: april)
        _ = try await s.capture(incoming(printed), stationID: st.id, sequences: nil)
        _ = try await s.capture(incoming([received]), stationID: other.id, sequences: nil)

        #expect(try await s.events(EventQuery(epc: epc)).map(\.eventID) == [printed[0].eventID, received.eventID])
        #expect(try await s.events(EventQuery(lot: StationFixture.lot)).count == 4)
        #expect(try await s.events(EventQuery(stationID: "HUE-01")).map(\.eventID) == [received.eventID])
        #expect(try await s.events(EventQuery(bizStep: "commissioning")).count == 3)
        #expect(try await s.events(EventQuery(from: april)).map(\.eventID) == [received.eventID])
        #expect(try await s.events(EventQuery(to: april)).count == 3)
        #expect(try await s.events(EventQuery(limit: 2)).count == 2)
        #expect(try await s.events(EventQuery(epc: "https://id.gs1.org/01/08938512345017/21/NOSUCH")).isEmpty)
        // Pages: each continues after the last event of the one before, ties in time split by the row key.
        let everything = try await s.events(EventQuery(limit: 100)).map(\.eventID)
        var paged: [String] = []
        var cursor: EventQuery.Cursor?
        repeat {
            let page = try await s.events(EventQuery(limit: 1, after: cursor))
            paged += page.map(\.eventID)
            cursor = page.last?.cursor
            #expect(EventQuery.Cursor(token: cursor?.token ?? "") == cursor || cursor == nil, "the token carries the cursor")
        } while cursor != nil && paged.count <= everything.count
        #expect(paged == everything)
        let batch = try await s.batch(gtin: StationFixture.gtin, lot: StationFixture.lot)
        #expect(batch?.expiry == "2026-03-13")
        #expect(batch?.stationID == st.id)
    }

    static func lotRecallIsFoundByItsClass(_ s: any TraceStorage) async throws {
        let st = try await station(s)
        let f = try StationFixture()
        let (_, printed) = try f.commission(2)
        let recall = try f.ledger().recall(batchID: f.batch.id, reason: "nhiễm nấm mốc")
        let lotClass = Stamp.lotClass(gtin: StationFixture.gtin, lot: StationFixture.lot)
        let stored = try f.ledger().events.events(identifier: lotClass)
        #expect(stored.map(\.eventID) == [recall.eventID], "the station indexes the recall under the lot class too")
        _ = try await s.capture(incoming(printed + stored), stationID: st.id, sequences: nil)
        let found = try await s.events(EventQuery(epc: lotClass))
        #expect(found.map(\.eventID) == [recall.eventID], "the class-level event is indexed under its lot class, the items' events are not")
        #expect(found.first?.lot == StationFixture.lot, "the lot is taken from the class when the event has no ILMD")
        #expect(try await s.events(EventQuery(lot: StationFixture.lot)).count == 3)
    }

    static func contiguousSequence(_ s: any TraceStorage) async throws {
        let st = try await station(s)
        let f = try StationFixture()
        let (_, a) = try f.commission(3)
        let (_, b) = try f.commission(2)
        #expect(try await s.capture(incoming(a, firstSequence: 1), stationID: st.id, sequences: 1...3).contiguousSequence == 3)
        // A run that leaves a gap does not move it …
        #expect(try await s.capture(incoming(b, firstSequence: 6), stationID: st.id, sequences: 6...7).contiguousSequence == 3)
        // … a run that continues it does, and an old run resent does not move it back.
        #expect(try await s.capture(incoming(b, firstSequence: 4), stationID: st.id, sequences: 4...5).contiguousSequence == 5)
        #expect(try await s.capture(incoming(a, firstSequence: 1), stationID: st.id, sequences: 1...3).contiguousSequence == 5)
        #expect(try await s.stations().first?.contiguousSequence == 5)
    }

    static func serialBlocksNeverOverlap(_ s: any TraceStorage) async throws {
        let gtin = StationFixture.gtin
        let blocks = try await withThrowingTaskGroup(of: SerialBlock.self) { group in
            for i in 0..<24 {
                group.addTask {
                    try await s.allocateSerialBlock(gtin: gtin, format: i % 3 == 0 ? .sequential : .random, count: UInt64(100 + i),
                                                    capacity: 1 << 50, stationID: "S\(i % 4)")
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for format in ["random", "sequential"] {
            let sorted = blocks.filter { $0.format == format }.sorted { $0.start < $1.start }
            #expect(sorted.first?.start == 0)
            for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(a.end == b.start, "blocks \(a) and \(b) must be disjoint and adjacent") }
        }
        await #expect(throws: TraceServerError.self) {
            try await s.allocateSerialBlock(gtin: gtin, format: .random, count: 10, capacity: 100, stationID: "S0")
        }
    }

    static func registry(_ s: any TraceStorage) async throws {
        _ = try await station(s)
        await #expect(throws: TraceServerError.stationExists("BK-NARI-01")) { _ = try await station(s) }
        try await s.addAdmin(name: "so-khcn", tokenHash: TraceServerCore.tokenHash("admin"))
        #expect(try await s.principal(tokenHash: TraceServerCore.tokenHash("admin")) == .admin("so-khcn"))
        guard case .station(let st)? = try await s.principal(tokenHash: TraceServerCore.tokenHash("token-BK-NARI-01")) else {
            Issue.record("station token not recognised"); return
        }
        #expect(st.id == "BK-NARI-01")
        #expect(try await s.principal(tokenHash: TraceServerCore.tokenHash("wrong")) == nil)
        let p = ProductRecord(gtin: StationFixture.gtin, name: "Miến dong Na Rì", producer: "HTX Na Rì", producerAddress: "Na Rì, Bắc Kạn",
                              producerGLN: "8938512340005", updatedAt: Date(timeIntervalSince1970: 1_750_000_000))
        try await s.putProduct(p)
        #expect(try await s.product(gtin: StationFixture.gtin) == p)
        try await s.addLookups(["a": 2, "b": 1])
        try await s.addLookups(["a": 3])
        #expect(try await s.lookupCount(epc: "a") == 5)
        #expect(try await s.lookupCount(epc: "c") == 0)
    }
}

@Suite("SQLite storage") struct SQLiteStorageTests {
    @Test func idempotentCapture() async throws { try await Backend.sqlite.withStorage(StorageChecks.idempotentCapture) }
    @Test func errorDeclarationIsACorrection() async throws { try await Backend.sqlite.withStorage(StorageChecks.errorDeclarationIsACorrection) }
    @Test func queries() async throws { try await Backend.sqlite.withStorage(StorageChecks.queries) }
    @Test func contiguousSequence() async throws { try await Backend.sqlite.withStorage(StorageChecks.contiguousSequence) }
    @Test func lotRecallIsFoundByItsClass() async throws { try await Backend.sqlite.withStorage(StorageChecks.lotRecallIsFoundByItsClass) }
    @Test func serialBlocksNeverOverlap() async throws { try await Backend.sqlite.withStorage(StorageChecks.serialBlocksNeverOverlap) }
    @Test func registry() async throws { try await Backend.sqlite.withStorage(StorageChecks.registry) }

    @Test func survivesReopen() async throws {
        let dir = temporaryDirectory("ts-reopen")
        let f = try StationFixture()
        let (_, events) = try f.commission(4)
        do {
            let s = try SQLiteTraceStorage(dataDirectory: dir)
            try await s.migrate()
            let st = try await StorageChecks.station(s)
            _ = try await s.capture(StorageChecks.incoming(events), stationID: st.id, sequences: nil)
        }
        let s = try SQLiteTraceStorage(dataDirectory: dir)
        try await s.migrate()
        #expect(try await s.capture(StorageChecks.incoming(events), stationID: "BK-NARI-01", sequences: nil).statuses
                == Array(repeating: .duplicate, count: 4))
    }
}

@Suite("PostgreSQL storage", .enabled(if: Backend.postgresURL != nil, Comment(rawValue: Backend.postgresMissing)))
struct PostgresStorageTests {
    @Test func idempotentCapture() async throws { try await Backend.postgres.withStorage(StorageChecks.idempotentCapture) }
    @Test func errorDeclarationIsACorrection() async throws { try await Backend.postgres.withStorage(StorageChecks.errorDeclarationIsACorrection) }
    @Test func queries() async throws { try await Backend.postgres.withStorage(StorageChecks.queries) }
    @Test func contiguousSequence() async throws { try await Backend.postgres.withStorage(StorageChecks.contiguousSequence) }
    @Test func lotRecallIsFoundByItsClass() async throws { try await Backend.postgres.withStorage(StorageChecks.lotRecallIsFoundByItsClass) }
    @Test func serialBlocksNeverOverlap() async throws { try await Backend.postgres.withStorage(StorageChecks.serialBlocksNeverOverlap) }
    @Test func registry() async throws { try await Backend.postgres.withStorage(StorageChecks.registry) }

    @Test func monthlyPartitionsAreCreatedOnDemand() async throws {
        try await Backend.postgres.withStorage { s in
            let pg = try #require(s as? PostgresTraceStorage)
            #expect(try await pg.partitionNames().isEmpty)
            let st = try await StorageChecks.station(s)
            let f = try StationFixture()
            let (_, march) = try f.commission(2, at: Date(timeIntervalSince1970: 1_741_932_000))   // 2025-03
            let (_, april) = try f.commission(1, at: Date(timeIntervalSince1970: 1_744_610_400))   // 2025-04
            _ = try await s.capture(StorageChecks.incoming(march + april), stationID: st.id, sequences: nil)
            #expect(try await pg.partitionNames() == ["events_p202503", "events_p202504"])
            // A second server process (fresh partition cache) capturing into an existing month is fine.
            _ = try await s.capture(StorageChecks.incoming(march), stationID: st.id, sequences: nil)
            #expect(try await pg.partitionNames().count == 2)
        }
    }
}
