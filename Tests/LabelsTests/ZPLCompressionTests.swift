import Foundation
import Testing
@testable import Labels

/// ZPL ASCII compression, checked against the rules of the ZPL II Programming Guide
/// ("Alternative Data Compression Scheme for ~DG and ~DB Commands", which `^GF` with
/// compression type A uses): G–Y repeat 1–19, g–y repeat 20–380, z repeats 400, counts add up;
/// `,` fills the rest of the row with 0, `!` fills it with 1, `:` repeats the previous row.
@Suite struct ZPLCompressionTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let number: Int
        let rule: String
        let bytes: [UInt8]
        let previous: [UInt8]?
        let expected: String
        var testDescription: String { "\(number). \(rule)" }
    }

    static let rows: [Row] = [
        Row(number: 1, rule: "`,` — a row of zeros is one comma", bytes: [0, 0, 0, 0], previous: nil, expected: ","),
        Row(number: 2, rule: "`!` — a row of ones is one exclamation mark", bytes: [0xFF, 0xFF, 0xFF], previous: nil, expected: "!"),
        Row(number: 3, rule: "`:` — a row equal to the previous one", bytes: [0x12, 0x34], previous: [0x12, 0x34], expected: ":"),
        Row(number: 4, rule: "`,` after data — trailing zeros", bytes: [0xFF, 0x00, 0x00, 0x00], previous: nil, expected: "FF,"),
        Row(number: 5, rule: "`!` after data — trailing ones, leading zeros counted (L = 6)", bytes: [0x00, 0x00, 0x00, 0xFF], previous: nil, expected: "L0!"),
        Row(number: 6, rule: "Guide example: M6 = 6666666 (M = 7)", bytes: [0x66, 0x66, 0x66, 0x61], previous: nil, expected: "M61"),
        Row(number: 7, rule: "runs of one or two digits are sent as they are", bytes: [0x12, 0x33, 0x45], previous: nil, expected: "123345"),
        Row(number: 8, rule: "G–Y: a run of 3 is I", bytes: [0x10, 0x00, 0x01], previous: nil, expected: "1J01"),
        Row(number: 9, rule: "g = 20: twenty Fs then a 1", bytes: [UInt8](repeating: 0xFF, count: 10) + [0x1F], previous: nil, expected: "gF1F"),
        Row(number: 10, rule: "counts add up: g (20) + I (3) = 23 As", bytes: [UInt8](repeating: 0xAA, count: 11) + [0xA1], previous: nil, expected: "gIA1"),
        Row(number: 11, rule: "counts add up: v (320) + M (7) = 327 Bs", bytes: [UInt8](repeating: 0xBB, count: 163) + [0xB1], previous: nil, expected: "vMB1"),
        Row(number: 12, rule: "z = 400, more z for longer runs: 819 = z z Y", bytes: [UInt8](repeating: 0x77, count: 409) + [0x71], previous: nil, expected: "zzY71"),
        Row(number: 13, rule: "a single trailing 0 stays a digit", bytes: [0x12, 0x30], previous: nil, expected: "1230"),
        Row(number: 14, rule: "a row differing from the previous one is not `:`", bytes: [0x00, 0x01], previous: [0x00, 0x02], expected: "I01"),
    ]

    @Test(arguments: rows)
    func rowCompressesAsTheGuideDescribes(_ row: Row) {
        #expect(ZPLGraphicCompression.compressRow(row.bytes, previous: row.previous) == row.expected)
        var decoded = ASCIIDecompressor(bytesPerRow: row.bytes.count)
        if let previous = row.previous { decoded.rows.append(previous) }
        try? decoded.feed(row.expected)
        #expect(decoded.rows.last == row.bytes)
    }

    @Test(arguments: [(1, "G"), (19, "Y"), (20, "g"), (21, "gG"), (39, "gY"), (40, "h"), (380, "y"), (399, "yY"), (400, "z"), (420, "zg"), (1000, "zzp"), (1019, "zzpY")])
    func repeatCodes(count: Int, code: String) {
        #expect(ZPLGraphicCompression.repeatCode(count) == code)
    }

    @Test(arguments: 0..<40)
    func decompressingACompressedBitmapGivesItBack(seed: Int) throws {
        var rng = SplitMix(seed: UInt64(seed))
        let width = 1 + Int(rng.next() % 900)
        let height = 1 + Int(rng.next() % 40)
        var bitmap = LabelBitmap(width: width, height: height)
        // Runs, repeated rows, all-white and all-black rows: what labels are made of.
        for y in 0..<height {
            switch rng.next() % 5 {
            case 0: continue
            case 1: bitmap.fill(x: 0, y: y, width: width, height: 1)
            case 2 where y > 0:
                for x in 0..<width where bitmap[x, y - 1] { bitmap.fill(x: x, y: y, width: 1, height: 1) }
            default:
                var x = Int(rng.next() % 16)
                while x < width {
                    let run = 1 + Int(rng.next() % 24)
                    if rng.next() % 2 == 0 { bitmap.fill(x: x, y: y, width: run, height: 1) }
                    x += run
                }
            }
        }
        let compressed = ZPLGraphicCompression.compress(bitmap)
        var d = ASCIIDecompressor(bytesPerRow: bitmap.bytesPerRow)
        try d.feed(String(decoding: compressed, as: UTF8.self))
        #expect(d.rows.count == height)
        #expect(d.rows.flatMap { $0 } == bitmap.bits)
    }

    @Test func rasterFieldDeclaresItsSizes() throws {
        let bitmap = LabelBitmap(width: 400, height: 240)
        let zpl = String(decoding: ZPLEncoder.raster(bitmap), as: UTF8.self)
        #expect(zpl.contains("^PW400\n^LL240\n"))
        #expect(zpl.contains("^FO0,0^GFA,12000,12000,50,,"))
        #expect(zpl.hasPrefix("^XA") && zpl.hasSuffix("^XZ\n"))
    }

    @Test func crc16OfZ64IsTheCCITTCheckValue() throws {
        // CRC-16/XMODEM check value (poly 0x1021, init 0): "123456789" → 0x31C3.
        #expect(ZPLGraphicCompression.crc16CCITT(Array("123456789".utf8)) == 0x31C3)
        let z64 = String(decoding: ZPLGraphicCompression.z64(LabelBitmap(width: 16, height: 2)), as: UTF8.self)
        #expect(z64.hasPrefix(":Z64:"))
        let parts = z64.split(separator: ":")
        #expect(parts.count == 3)
        // A zlib stream (RFC 1950): deflate with a 32 KB window (0x78), header check bits valid.
        let stream = try #require(Data(base64Encoded: String(parts[1])))
        #expect(stream.count > 6 && stream[0] == 0x78 && (Int(stream[0]) * 256 + Int(stream[1])) % 31 == 0)
        #expect(parts[2].count == 4)
        #expect(String(format: "%04X", ZPLGraphicCompression.crc16CCITT(Array(parts[1].utf8))) == String(parts[2]))
    }
}

/// A ZPL ASCII-compression decoder written from the Guide, independent of the encoder.
struct ASCIIDecompressor {
    let bytesPerRow: Int
    var rows: [[UInt8]] = []
    private var nibbles: [UInt8] = []
    private var count = 0

    init(bytesPerRow: Int) { self.bytesPerRow = bytesPerRow }

    struct Malformed: Error {}

    mutating func feed(_ text: String) throws {
        for c in text.unicodeScalars {
            switch c {
            case "G"..."Y": count += Int(c.value - 70)                  // G = 1
            case "g"..."y": count += Int(c.value - 102) * 20            // g = 20
            case "z": count += 400
            case "0"..."9", "A"..."F":
                let v = UInt8(c.value <= 57 ? c.value - 48 : c.value - 55)
                for _ in 0..<max(1, count) { nibbles.append(v) }
                count = 0
                try flushIfFull()
            case ",": try fillRow(with: 0)
            case "!": try fillRow(with: 0xF)
            case ":":
                guard nibbles.isEmpty, let last = rows.last else { throw Malformed() }
                rows.append(last)
            default: throw Malformed()
            }
        }
        guard nibbles.isEmpty, count == 0 else { throw Malformed() }
    }

    private mutating func fillRow(with v: UInt8) throws {
        while nibbles.count < bytesPerRow * 2 { nibbles.append(v) }
        try flushIfFull()
    }

    private mutating func flushIfFull() throws {
        guard nibbles.count >= bytesPerRow * 2 else { return }
        guard nibbles.count == bytesPerRow * 2 else { throw Malformed() }
        rows.append((0..<bytesPerRow).map { nibbles[2 * $0] << 4 | nibbles[2 * $0 + 1] })
        nibbles.removeAll(keepingCapacity: true)
    }
}

/// A small deterministic generator so failures reproduce.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

