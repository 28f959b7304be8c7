import Testing
@testable import Trace

/// The batch-level code builder a print job uses must give exactly what the full path gives.
struct StampCodeBatchTests {
    static let resolver = "https://txng.backan.gov.vn"
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    static func random(_ n: Int, using g: inout some RandomNumberGenerator) -> String {
        String((0..<n).map { _ in alphabet.randomElement(using: &g)! })
    }

    @Test(arguments: [("MD250314A", "2026-03-13" as String?), ("TT-2025/07.1", nil), ("L", "2025-12-31")])
    func linksAndElementStringsMatchTheFullPath(lot: String, expiry: String?) throws {
        let batch = try StampCode.Batch(resolver: Self.resolver, gtin: "08938512345017", lot: lot, expiry: expiry)
        var g = SystemRandomNumberGenerator()
        for i in 0..<2000 {
            let serial = Self.random(1 + i % 20, using: &g), tag = Self.random(8, using: &g)
            let link = try StampCode.digitalLink(resolver: Self.resolver, gtin: "08938512345017", lot: lot, serial: serial, expiry: expiry, tag: tag)
            let es = try StampCode.elementString(gtin: "08938512345017", lot: lot, serial: serial, expiry: expiry, tag: tag)
            #expect(try batch.digitalLink(serial: serial, tag: tag) == link)
            #expect(try batch.elementString(serial: serial, tag: tag) == es)
        }
    }

    @Test func serialsThatNeedEncodingTakeTheFullPath() throws {
        let batch = try StampCode.Batch(resolver: Self.resolver, gtin: "08938512345017", lot: "MD250314A", expiry: "2026-03-13")
        for serial in ["A/B", "50%", "X&Y", "a\"b", "é"] {
            let full = Result { try StampCode.digitalLink(resolver: Self.resolver, gtin: "08938512345017", lot: "MD250314A", serial: serial, expiry: "2026-03-13", tag: "ABC") }
            let fast = Result { try batch.digitalLink(serial: serial, tag: "ABC") }
            switch (full, fast) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(serial)")
            case (.failure, .failure): break
            default: Issue.record("serial \(serial): the builder and the full path disagree: \(full) vs \(fast)")
            }
        }
        // Too long for AI 21: refused like the full path refuses it.
        #expect(throws: (any Error).self) { try batch.digitalLink(serial: String(repeating: "A", count: 21), tag: "ABC") }
        #expect(throws: (any Error).self) { try batch.elementString(serial: "", tag: "ABC") }
    }

    @Test func aBadBatchIsRefusedWhenTheBuilderIsMade() {
        #expect(throws: (any Error).self) { try StampCode.Batch(resolver: Self.resolver, gtin: "08938512345018", lot: "L1", expiry: nil) }
        #expect(throws: (any Error).self) { try StampCode.Batch(resolver: Self.resolver, gtin: "08938512345017", lot: "L1", expiry: "2026-02-30") }
    }
}
