import Foundation
import Testing
@testable import Trace

@Suite struct SipHashTests {
    /// Reference vectors from the SipHash paper (Aumasson & Bernstein 2012, appendix A; vectors.h of the
    /// reference implementation): key 00..0f, message 00..(n-1).
    @Test(arguments: [
        (0, 0x726fdb47dd0e0e31 as UInt64),
        (1, 0x74f839c593dc67fd),
        (8, 0x93f5f5799a932462),
        (15, 0xa129ca6149be45e5),
    ])
    func referenceVectors(length: Int, expected: UInt64) {
        let h = SipHash24(key: Array(0..<16))
        #expect(h.hash((0..<length).map { UInt8($0) }) == expected)
    }

    @Test func wordShortcutEqualsGeneralHash() {
        let h = SipHash24(key: (0..<16).map { UInt8($0 * 7) })
        for w: UInt64 in [0, 1, 0xdead_beef, .max, 1 << 56 | 12345] {
            let bytes = (0..<8).map { UInt8((w >> (8 * UInt64($0))) & 0xff) }
            #expect(h.hash(word: w) == h.hash(bytes))
        }
    }
}

@Suite struct SerialPermutationTests {
    @Test func isABijectionOnASmallDomain() {
        let p = SerialPermutation(bits: 12, key: Array(repeating: 7, count: 16))
        let images = Set((0..<4096).map { p.permute(UInt64($0)) })
        #expect(images.count == 4096)
        #expect(images.allSatisfy { $0 < 4096 })
        for x in [0, 1, 77, 4095] as [UInt64] { #expect(p.invert(p.permute(x)) == x) }
    }

    @Test func differentKeysGiveDifferentSequences() {
        let a = SerialPermutation(bits: 50, key: Array(repeating: 1, count: 16))
        let b = SerialPermutation(bits: 50, key: Array(repeating: 2, count: 16))
        let sa = (0..<100).map { a.permute(UInt64($0)) }, sb = (0..<100).map { b.permute(UInt64($0)) }
        #expect(sa != sb)
        // Consecutive counters must not give neighbouring serials (a forger could walk them).
        let gaps = zip(sa, sa.dropFirst()).map { $0 > $1 ? $0 - $1 : $1 - $0 }
        #expect(gaps.filter { $0 < 1 << 30 }.count < 3)
    }
}

@Suite struct SerialCodecTests {
    let key = Array(repeating: UInt8(42), count: 16)

    @Test func randomSerialsAreTenCharactersOfTheAlphabetAndInvert() {
        let c = SerialCodec(format: .random, prefix: "", key: key)
        for counter: UInt64 in [0, 1, 2, 999_999, (1 << 50) - 1] {
            let s = c.serial(counter: counter)
            #expect(s.count == 10)
            #expect(s.allSatisfy { SerialAlphabet.value(of: $0) != nil })
            #expect(c.counter(of: s) == counter)
        }
    }

    @Test func prefixIsKeptAndRequired() {
        let c = SerialCodec(format: .random, prefix: "BK", key: key)
        let s = c.serial(counter: 5)
        #expect(s.hasPrefix("BK") && s.count == 12)
        #expect(c.counter(of: String(s.dropFirst(2))) == nil)
        #expect(c.counter(of: "HU" + s.dropFirst(2)) == nil)
    }

    @Test func sequentialSerialsCountFromOne() {
        let c = SerialCodec(format: .sequential, prefix: "A", key: key)
        #expect(c.serial(counter: 0) == "A00000001")
        #expect(c.serial(counter: 123_456_788) == "A123456789")
        #expect(c.counter(of: "A00000042") == 41)
        #expect(c.counter(of: "A0000004") == nil)
        #expect(c.counter(of: "A00000000") == nil)
    }

    @Test func malformedSerialsMapToNoCounter() {
        let c = SerialCodec(format: .random, prefix: "", key: key)
        for bad in ["", "K7QM2X9PA", "K7QM2X9PA4X", "K7QM2X9PA0", "k7qm2x9pa4", "K7QM2X9PÀ4"] { #expect(c.counter(of: bad) == nil, "\(bad)") }
    }
}

@Suite struct StampKeyTests {
    @Test func tagVerifiesAndAForgedOneDoesNot() throws {
        let t = StampTagger(ring: .generate())
        let tag = try t.tag(gtin14: "08938512345017", serial: "K7QM2X9PA4")
        #expect(tag.count == 8 && tag.first == "A")
        #expect(t.verify(tag: tag, gtin14: "08938512345017", serial: "K7QM2X9PA4") == .valid(keyID: "A"))
        #expect(t.verify(tag: tag, gtin14: "08938512345017", serial: "K7QM2X9PA5") == .invalid)
        #expect(t.verify(tag: "A2222222", gtin14: "08938512345017", serial: "K7QM2X9PA4") == .invalid)
        #expect(t.verify(tag: "Z2222222", gtin14: "08938512345017", serial: "K7QM2X9PA4") == .unknownKey("Z"))
        #expect(t.verify(tag: "A22", gtin14: "08938512345017", serial: "K7QM2X9PA4") == .malformed)
    }

    @Test func rotationKeepsOldStampsValidAndRevocationRejectsThem() throws {
        var ring = StampKeyRing.generate()
        let old = try StampTagger(ring: ring).tag(gtin14: "08938512345017", serial: "S1")
        let newKey = try ring.rotate()
        #expect(newKey.id == "B")
        let fresh = try StampTagger(ring: ring).tag(gtin14: "08938512345017", serial: "S2")
        #expect(fresh.first == "B")
        #expect(StampTagger(ring: ring).verify(tag: old, gtin14: "08938512345017", serial: "S1") == .valid(keyID: "A"))
        try ring.revoke("A")
        #expect(StampTagger(ring: ring).verify(tag: old, gtin14: "08938512345017", serial: "S1") == .revokedKey("A"))
    }

    @Test func ringIsStoredWithMode0600AndRefusedWhenOpenToOthers() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        let url = dir.appendingPathComponent("keyring.json")
        let (ring, created) = try StampKeyRing.loadOrCreate(at: url)
        #expect(created)
        let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let (again, createdAgain) = try StampKeyRing.loadOrCreate(at: url)
        #expect(!createdAgain && again == ring)
        #expect(!ring.description.contains(Data(ring.serialSecret).base64EncodedString()))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
        #expect(throws: KeyRingError.tooOpen(url.path, "644")) { try StampKeyRing.read(from: url) }
    }
}
