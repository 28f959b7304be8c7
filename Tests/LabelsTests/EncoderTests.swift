import Barcodes
import Foundation
import Testing
@testable import Labels

/// Symbol encoders against their specifications' own numbers.
@Suite struct SymbolEncoderTests {
    @Test func code128PatternsAreElevenModulesAndTheStopThirteen() {
        // ISO/IEC 15417 §4.3: every symbol character is 11 modules (3 bars, 3 spaces); stop 13.
        for (value, pattern) in Code128Symbol.patterns.enumerated() {
            let sum = pattern.utf8.reduce(0) { $0 + Int($1 - 48) }
            #expect(sum == (value == 106 ? 13 : 11), "value \(value)")
        }
        #expect(Set(Code128Symbol.patterns).count == 107)
    }

    @Test func ssccStartsInSubsetCWithFNC1AndTheCheckCharacterOfTheSpec() throws {
        let symbol = try Code128Symbol(gs1: "00089385123400000018")
        #expect(symbol.startsInC)
        #expect(symbol.elements == [.fnc1, .c(0), .c(8), .c(93), .c(85), .c(12), .c(34), .c(0), .c(0), .c(0), .c(18)])
        // ISO/IEC 15417 §4.4.6: (105 + 1·102 + 2·0 + 3·8 + 4·93 + 5·85 + 6·12 + 7·34 + 11·18) mod 103 = 1536 mod 103 = 94.
        #expect(symbol.checkValue == 94)
        #expect(symbol.moduleCount == 156)
        #expect(String(decoding: ZPLEncoder.code128FieldData(symbol), as: UTF8.self) == ">;>800089385123400000018")
        #expect(ESCPOSEncoder.code128Data(symbol) == [0x7B, 0x43, 0x7B, 0x31, 0, 8, 93, 85, 12, 34, 0, 0, 0, 18])
    }

    @Test func elementStringSwitchesSubsetsByAnnexE() throws {
        let symbol = try Code128Symbol(gs1: "01089385123450171726031310MD250314A\u{1D}21K7QM2X9PA4")
        #expect(String(decoding: ZPLEncoder.code128FieldData(symbol), as: UTF8.self)
                == ">;>801089385123450171726031310>6MD>5250314>6A>821K7QM2X9PA4")
        let bits = LabelRendererProbe.gs1_128Image(symbol, module: 3)
        #expect(BarcodeDecoder().decode(bits).first?.text == "01089385123450171726031310MD250314A\u{1D}21K7QM2X9PA4")
    }

    @Test func code128RefusesWhatGS1CannotCarry() {
        #expect(throws: Code128Error.unencodable("é")) { try Code128Symbol(gs1: "10é") }
        #expect(throws: Code128Error.empty) { try Code128Symbol(gs1: "") }
    }

    @Test func dataMatrixWorkedExampleOfISO16022() throws {
        // ISO/IEC 16022 Annex O: "123456" → data 142 164 186, check 114 25 5 88 102 (10×10).
        let data = DataMatrixSymbol.asciiCodewords(Array("123456".utf8), gs1: false)
        #expect(data == [142, 164, 186])
        let info = DataMatrixSymbol.sizes[0]
        #expect(DataMatrixSymbol.addErrorCorrection(data, info: info) == [142, 164, 186, 114, 25, 5, 88, 102])
    }

    @Test func dataMatrixASCIIEncodationAndPadding() {
        // §5.2.3: digit pairs 130+n, ASCII value+1, GS1 FNC1 = 232, Upper Shift 235 for bytes over 127.
        #expect(DataMatrixSymbol.asciiCodewords(Array("01A".utf8) + [0x1D, 0xE9], gs1: true) == [232, 131, 66, 232, 235, 0xE9 - 127])
        var data: [UInt8] = [142]
        DataMatrixSymbol.pad(&data, to: 5)
        // First pad 129, then 129 + ((149 × position) mod 253) + 1, less 254 past 254:
        // position 3 → 129 + 195 − 254 = 70, 4 → 129 + 91 = 220, 5 → 129 + 240 − 254 = 115.
        #expect(data == [142, 129, 70, 220, 115])
    }

    @Test func dataMatrixFinderAndClockPatterns() throws {
        let symbol = try DataMatrixSymbol(bytes: Array("123456".utf8), gs1: false)
        #expect(symbol.size == 10)
        for i in 0..<10 {
            #expect(symbol.isDark(x: 0, y: i))                   // solid left
            #expect(symbol.isDark(x: i, y: 9))                   // solid bottom
            #expect(symbol.isDark(x: i, y: 0) == (i % 2 == 0))   // clock along the top
            #expect(symbol.isDark(x: 9, y: i) == (i % 2 == 1))   // clock down the right
        }
    }

    @Test func dataMatrixRegionsOfLargerSymbols() throws {
        let symbol = try DataMatrixSymbol(bytes: Array(String(repeating: "A", count: 60).utf8), gs1: false)
        #expect(symbol.size == 32)
        // 2×2 regions of 14: inner finder columns at x = 15 (clock) and 16 (solid).
        for y in 0..<32 { #expect(symbol.isDark(x: 16, y: y)) }
        #expect(throws: DataMatrixError.tooLong(codewords: 61, capacity: 44)) {
            try DataMatrixSymbol(bytes: Array(String(repeating: "A", count: 61).utf8), gs1: false, size: 26)
        }
    }
}

/// Draws a lone GS1-128 for decoding.
enum LabelRendererProbe {
    static func gs1_128Image(_ symbol: Code128Symbol, module: Int) -> GrayImage {
        let quiet = 10 * module
        var bitmap = LabelBitmap(width: symbol.moduleCount * module + 2 * quiet, height: 60)
        var x = quiet, bar = true
        for w in symbol.widths {
            if bar { bitmap.fill(x: x, y: 5, width: w * module, height: 50) }
            x += w * module
            bar.toggle()
        }
        return bitmap.grayImage()
    }
}

/// Byte-level checks of the two printer languages.
@Suite struct PrinterLanguageTests {
    let renderer: LabelRenderer
    let label: ComposedLabel

    init() throws {
        renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template("mien-dong-50x30")))
        label = try renderer.compose(Samples.stamp)
    }

    struct Escape: CustomTestStringConvertible, Sendable {
        let number: Int, input: String, fh: Bool, output: String
        var testDescription: String { "\(number). \(input)" }
    }

    /// ZPL II Programming Guide, ^FH: `_` followed by two hex digits is the byte they name.
    @Test(arguments: [
        Escape(number: 1, input: "MD250314A", fh: false, output: "MD250314A"),
        Escape(number: 2, input: "Lô", fh: true, output: "L_C3_B4"),
        Escape(number: 3, input: "Miến", fh: true, output: "Mi_E1_BA_BFn"),
        Escape(number: 4, input: "a^b", fh: true, output: "a_5Eb"),
        Escape(number: 5, input: "a~b_c", fh: true, output: "a_7Eb_5Fc"),
        Escape(number: 6, input: "a_b", fh: false, output: "a_b"),
        Escape(number: 7, input: "tab\there", fh: true, output: "tab_09here"),
    ])
    func fieldHexEscapes(_ e: Escape) {
        let (fh, bytes) = ZPLEncoder.fieldHexBytes(e.input)
        #expect(fh == e.fh)
        #expect(String(decoding: bytes, as: UTF8.self) == e.output)
    }

    @Test func nativeZPLHasTheLabelFrameAndEveryField() {
        let zpl = String(decoding: ZPLEncoder.native(label), as: UTF8.self)
        #expect(zpl.hasPrefix("^XA\n^CI28\n^PW400\n^LL240\n"))
        #expect(zpl.hasSuffix("^XZ\n"))
        #expect(zpl.contains("^BQN,2,4^FDMA,\(Samples.digitalLink)^FS"))
        #expect(zpl.contains("^A0N,23,23^FB172,2,0,L,0^FH^FDMi_E1_BA_BFn dong\\&Na R_C3_AC^FS"))
        #expect(zpl.contains("^GB172,2,2^FS"))
        #expect(zpl.allSatisfy { $0.isASCII }, "every non-ASCII byte travels as ^FH escapes")
    }

    @Test func nativeZPLForCartonsUsesDataMatrixWithFNC1AndGS1_128() throws {
        let carton = try LabelRenderer(layout: try LabelLayout(try Samples.template("carton-100x70")))
        let zpl = String(decoding: ZPLEncoder.native(try carton.compose(Samples.carton)), as: UTF8.self)
        #expect(zpl.contains("^BXN,5,200,36,36,,#^FD#101089385123450171726031310MD250314A#121K7QM2X9PA4^FS"))
        #expect(zpl.contains("^BY4,3,200^BCN,200,N,N,N,N^FD>;>800089385123400000018^FS"))
    }

    @Test func asciiTextOptionFoldsDiacritics() {
        let zpl = String(decoding: ZPLEncoder.native(label, options: .init(asciiText: true)), as: UTF8.self)
        #expect(zpl.contains("^FDMien dong\\&Na Ri^FS"))
        #expect(!zpl.contains("^FH"))
    }

    @Test func wideGS1BarsAt600DpiStayExactAsAGraphic() throws {
        let carton = try LabelRenderer(layout: try LabelLayout(try Samples.template("carton-100x70"), resolution: .dpi600))
        let zpl = String(decoding: ZPLEncoder.native(try carton.compose(Samples.carton)), as: UTF8.self)
        #expect(!zpl.contains("^BC"))
        #expect(zpl.contains("^GFA,"))
    }

    @Test func escposNativeQRCommandsFollowTheGSkFunctions() throws {
        let job = try ESCPOSEncoder.native(label)
        #expect(Array(job.prefix(2)) == [0x1B, 0x40])                                  // ESC @
        let content = Array(Samples.digitalLink.utf8)
        let qr: [UInt8] = [0x1D, 0x28, 0x6B, 4, 0, 49, 65, 50, 0]                       // fn 65: model 2
            + [0x1D, 0x28, 0x6B, 3, 0, 49, 67, 4]                                         // fn 67: 4-dot modules
            + [0x1D, 0x28, 0x6B, 3, 0, 49, 69, 49]                                        // fn 69: level M
            + [0x1D, 0x28, 0x6B, UInt8(content.count + 3), 0, 49, 80, 48] + content       // fn 80: store
            + [0x1D, 0x28, 0x6B, 3, 0, 49, 81, 48]                                        // fn 81: print
        #expect(job.firstRange(of: qr) != nil)
        #expect(job.firstRange(of: Array("Mien dong\nNa Ri\n".utf8)) != nil)
        #expect(Array(job.suffix(4)) == [0x1D, 0x56, 65, 0])                            // GS V: full cut
    }

    @Test func escposRasterSendsTheBitmapInBands() throws {
        let bitmap = try renderer.rasterize(label)
        let job = try ESCPOSEncoder.raster(bitmap, options: .init(cut: .partial, bandHeight: 128))
        // ESC @, ESC a 0, then GS v 0 for 128 rows and for the remaining 112.
        #expect(Array(job.prefix(13)) == [0x1B, 0x40, 0x1B, 0x61, 0, 0x1D, 0x76, 0x30, 0, 50, 0, 128, 0])
        let second = 5 + 8 + 50 * 128
        #expect(Array(job[second..<(second + 8)]) == [0x1D, 0x76, 0x30, 0, 50, 0, 112, 0])
        #expect(Array(job[(second + 8)..<(second + 8 + 50 * 112)]) == Array(bitmap.bits[(50 * 128)...]))
        #expect(Array(job.suffix(4)) == [0x1D, 0x56, 66, 0])
        #expect(job.count == 5 + 2 * 8 + bitmap.bits.count + 4)
    }

    @Test func escposRefusesWhatItCannotPrint() throws {
        let carton = try LabelRenderer(layout: try LabelLayout(try Samples.template("carton-100x70")))
        let wide = try carton.render(Samples.carton)
        #expect(throws: ESCPOSError.labelTooWide(template: "label", widthDots: 799, printerWidthDots: 576)) {
            try ESCPOSEncoder.raster(wide)
        }
        let square = try LabelRenderer(layout: try LabelLayout(try Samples.template("thanh-tra-40x40")))
        do {
            _ = try ESCPOSEncoder.native(try square.compose(Samples.thanhTra))
            Issue.record("a box cannot be printed natively")
        } catch let error as ESCPOSError {
            guard case .notExpressibleNatively(_, let element, _) = error else { Issue.record("\(error)"); return }
            #expect(element == ElementReference(index: 1, name: "border", type: "box"))
            #expect(error.description.contains("raster mode"))
        }
    }
}

/// Calendar dates print the way Vietnamese stamps print them.
@Suite struct CalendarDateTests {
    @Test func formats() throws {
        let d = try #require(CalendarDate(year: 2026, month: 3, day: 13))
        #expect(d.vietnameseFormat == "13/03/2026")
        #expect(d.gs1Format == "260313")
        #expect(d.description == "2026-03-13")
    }

    @Test func invalidDaysAreRejected() {
        #expect(CalendarDate(year: 2025, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 2025, month: 13, day: 1) == nil)
    }

    @Test func aMomentIsADayInVietnam() {
        // 2025-03-13T20:00:00Z is 03:00 on the 14th in Hà Nội.
        let instant = Date(timeIntervalSince1970: 1_741_896_000)
        #expect(CalendarDate(instant) == CalendarDate(year: 2025, month: 3, day: 14))
        #expect(CalendarDate(instant, timeZone: TimeZone(identifier: "UTC")!) == CalendarDate(year: 2025, month: 3, day: 13))
    }
}
