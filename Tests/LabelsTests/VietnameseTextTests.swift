import Foundation
import Testing
@testable import Labels

/// Vietnamese prints as Vietnamese: every letter has its own glyph in both weights, and
/// decomposed input (base letter + combining marks) prints exactly like precomposed input.
@Suite struct VietnameseTextTests {
    static let letters = Array("ả ạ ấ ầ ẩ ẫ ậ ắ ằ ẳ ẵ ặ ẻ ẽ ẹ ế ề ể ễ ệ ỉ ị ỏ ọ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ ủ ụ ứ ừ ử ữ ự ỳ ỵ ỷ ỹ đ Đ ơ ư"
        .split(separator: " ").map { Character(String($0)) })

    let fonts: FontSet

    init() throws { fonts = try FontSet(.dejaVuSans) }

    /// The letter without any mark: NFD's first scalar, except for đ/Đ, which do not decompose.
    static func base(of c: Character) -> Unicode.Scalar {
        switch c {
        case "đ": return "d"
        case "Đ": return "D"
        default: return String(c).decomposedStringWithCanonicalMapping.unicodeScalars.first!
        }
    }

    @Test(arguments: letters, [false, true])
    func letterHasItsOwnGlyph(letter: Character, bold: Bool) throws {
        let scalars = Array(letter.unicodeScalars)
        #expect(scalars.count == 1, "the list is precomposed (NFC)")
        let face = bold ? fonts.bold : fonts.regular
        #expect(face.glyphIndex(scalars[0]) != 0, "\(letter) would print as .notdef")
        let strike = fonts.strike(bold: bold, px: PrintResolution.dpi203.dots(points: 8))
        let glyph = try #require(strike.glyph(scalars[0]))
        let plain = try #require(strike.glyph(Self.base(of: letter)))
        #expect(glyph.bits != plain.bits || glyph.rows != plain.rows, "\(letter) draws like \(Self.base(of: letter))")
        #expect(glyph.bits.contains { $0 != 0 })
    }

    @Test func combiningMarksPrintLikePrecomposedLetters() throws {
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template("mien-dong-50x30")))
        let precomposed = "Miến dong Na Rì · Lô · Thủy Biều · Đường"
        let decomposed = precomposed.decomposedStringWithCanonicalMapping
        #expect(Array(precomposed.unicodeScalars) != Array(decomposed.unicodeScalars))
        #expect(try renderer.textBitmap(decomposed, points: 8) == renderer.textBitmap(precomposed, points: 8))
    }

    @Test func textIsThresholdedNotDithered() throws {
        // Inside a thick stroke every dot is black: no dither pattern.
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template("mien-dong-50x30")))
        let bitmap = try renderer.textBitmap("█", points: 20)
        let blackRows = (0..<bitmap.height).filter { y in (0..<bitmap.width).contains { bitmap[$0, y] } }
        let middle = blackRows[blackRows.count / 2]
        let run = (0..<bitmap.width).filter { bitmap[$0, middle] }
        #expect(run.count > 10)
        #expect(run.last! - run.first! + 1 == run.count, "a solid block has no holes")
    }

    struct Transliteration: CustomTestStringConvertible, Sendable {
        let input: String, ascii: String
        var testDescription: String { input }
    }

    @Test(arguments: [
        Transliteration(input: "Miến dong Na Rì · Lô MD250314A · HSD 13/03/2026 · K7QM2X9PA4",
                        ascii: "Mien dong Na Ri - Lo MD250314A - HSD 13/03/2026 - K7QM2X9PA4"),
        Transliteration(input: "Đường Thủy Biều, Huế", ascii: "Duong Thuy Bieu, Hue"),
        Transliteration(input: "Số lượng: 24 gói × 500 g", ascii: "So luong: 24 goi x 500 g"),
        Transliteration(input: "ơ ư Ơ Ư ặ Ặ ỹ Ỹ", ascii: "o u O U a A y Y"),
        Transliteration(input: "“trà” – 米", ascii: "\"tra\" - ?"),
        Transliteration(input: "plain ASCII", ascii: "plain ASCII"),
    ])
    func nativeESCPOSTextIsFoldedToASCII(_ t: Transliteration) {
        #expect(VietnameseTransliteration.ascii(t.input) == t.ascii)
    }
}
