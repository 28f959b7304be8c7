import Foundation
import GRDB
import Testing
@testable import Trace

func temporaryStore() throws -> StationStore {
    try StationStore(dataDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)"))
}

func sampleCatalog(_ store: StationStore, format: SerialFormat = .random) throws -> (Catalog, Batch) {
    let catalog = Catalog(store: store)
    try catalog.addProduct(Product(gtin: "8938512345017", name: "Miến dong Na Rì", producer: "HTX Miến dong Na Rì",
                                   producerGLN: "8938512340005", serialFormat: format, shelfLifeDays: 364))
    let batch = try catalog.createBatch(gtin: "08938512345017", lot: "MD250314A", productionDate: "2025-03-14", expiryDate: nil, plannedQuantity: 5000)
    return (catalog, batch)
}

@Suite struct CatalogTests {
    @Test func batchExpiryDefaultsToShelfLife() throws {
        let (_, batch) = try sampleCatalog(try temporaryStore())
        #expect(batch.gtin == "08938512345017")
        #expect(batch.expiryDate == "2026-03-13")
        #expect(batch.status == .open)
    }

    @Test func invalidInputIsRejectedWithReasons() throws {
        let store = try temporaryStore()
        let catalog = Catalog(store: store)
        #expect(throws: CatalogError.self) {
            try catalog.addProduct(Product(gtin: "8938512345018", name: "X", producer: "Y", producerGLN: "8938512340005"))
        }
        let glnError = try #require(throws: CatalogError.self) {
            try catalog.addProduct(Product(gtin: "8938512345017", name: "X", producer: "Y", producerGLN: "8938512340006"))
        }
        guard case .invalidGLN("8938512340006", _) = glnError else { Issue.record("\(glnError)"); return }
        _ = try sampleCatalog(store)
        #expect(throws: CatalogError.duplicateBatch(gtin: "08938512345017", lot: "MD250314A")) {
            try catalog.createBatch(gtin: "08938512345017", lot: "MD250314A", productionDate: "2025-03-14", expiryDate: nil, plannedQuantity: 1)
        }
        #expect(throws: CatalogError.invalidDate(field: "production date", value: "2025-02-30")) {
            try catalog.createBatch(gtin: "08938512345017", lot: "B2", productionDate: "2025-02-30", expiryDate: nil, plannedQuantity: 1)
        }
        #expect(throws: CatalogError.expiryBeforeProduction(production: "2025-03-14", expiry: "2025-03-01")) {
            try catalog.createBatch(gtin: "08938512345017", lot: "B3", productionDate: "2025-03-14", expiryDate: "2025-03-01", plannedQuantity: 1)
        }
        #expect(throws: CatalogError.self) {
            try catalog.createBatch(gtin: "08938512345017", lot: String(repeating: "L", count: 21), productionDate: "2025-03-14", expiryDate: nil, plannedQuantity: 1)
        }
        #expect(throws: CatalogError.unknownProduct("08938512345024")) {
            try catalog.createBatch(gtin: "08938512345024", lot: "B4", productionDate: "2025-03-14", expiryDate: nil, plannedQuantity: 1)
        }
    }
}

@Suite struct AllocatorTests {
    @Test func reservationsNeverOverlapAndSurviveReopening() throws {
        let store = try temporaryStore()
        let (_, batch) = try sampleCatalog(store)
        let keys = StampKeyRing.generate()
        let a = try SerialAllocator(store: store, keys: keys, prefix: "")
        let r1 = try a.reserve(batchID: batch.id, count: 1000, purpose: "print")
        let r2 = try a.reserve(batchID: batch.id, count: 500, purpose: "print")
        #expect(Set(r1.serials + r2.serials).count == 1500)
        // A second station process opening the same database continues after both.
        let reopened = try StationStore(dataDirectory: URL(fileURLWithPath: store.path).deletingLastPathComponent())
        let r3 = try SerialAllocator(store: reopened, keys: keys, prefix: "").reserve(batchID: batch.id, count: 10, purpose: "print")
        #expect(Set(r1.serials + r2.serials + r3.serials).count == 1510)
        #expect(try a.reservation(id: r2.id)?.serials == r2.serials)
        #expect(try a.wasIssued(gtin: batch.gtin, serial: r2.serial(at: 7), format: .random))
        #expect(try !a.wasIssued(gtin: batch.gtin, serial: r2.codec.serial(counter: 999_999), format: .random))
    }

    @Test func concurrentReservationsFromManyTasksNeverShareASerial() async throws {
        let store = try temporaryStore()
        let (_, batch) = try sampleCatalog(store, format: .sequential)
        let a = try SerialAllocator(store: store, keys: .generate(), prefix: "BK")
        let all = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<16 { group.addTask { try a.reserve(batchID: batch.id, count: 250, purpose: "print").serials } }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(all.count == 4000)
        #expect(Set(all).count == 4000)
        #expect(Set(all) == Set((1...4000).map { String(format: "BK%08d", $0) }))
    }

    @Test func closedBatchesAndBadPrefixesAndCountsAreRefused() throws {
        let store = try temporaryStore()
        let (catalog, batch) = try sampleCatalog(store)
        #expect(throws: AllocationError.invalidPrefix("B1")) { try SerialAllocator(store: store, keys: .generate(), prefix: "B1") }
        let a = try SerialAllocator(store: store, keys: .generate(), prefix: "")
        #expect(throws: AllocationError.invalidCount(0)) { try a.reserve(batchID: batch.id, count: 0, purpose: "print") }
        _ = try catalog.closeBatch(id: batch.id)
        #expect(throws: CatalogError.batchClosed("MD250314A")) { try a.reserve(batchID: batch.id, count: 1, purpose: "print") }
    }

    @Test func serverBlocksAreUsedInOrderAndNeverOverlap() throws {
        let store = try temporaryStore()
        let (_, batch) = try sampleCatalog(store)
        let a = try SerialAllocator(store: store, keys: .generate(), prefix: "", policy: .serverBlocks)
        #expect(throws: AllocationError.needsServerBlocks(gtin: batch.gtin)) { try a.reserve(batchID: batch.id, count: 1, purpose: "print") }
        try a.addServerBlock(gtin: batch.gtin, format: .random, start: 1000, end: 1010)
        try a.addServerBlock(gtin: batch.gtin, format: .random, start: 5000, end: 5100)
        #expect(throws: AllocationError.self) { try a.addServerBlock(gtin: batch.gtin, format: .random, start: 1005, end: 1020) }
        let r = try a.reserve(batchID: batch.id, count: 15, purpose: "print")
        #expect(r.ranges.map(\.start) == [1000, 5000])
        #expect((0..<15).map(r.counter(at:)) == Array(1000..<1010) + Array(5000..<5005))
        #expect(throws: AllocationError.exhausted(gtin: batch.gtin, needed: 200, available: 95)) {
            try a.reserve(batchID: batch.id, count: 200, purpose: "print")
        }
    }
}
