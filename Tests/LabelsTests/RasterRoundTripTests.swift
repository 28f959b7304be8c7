import Barcodes
import Foundation
import Testing
@testable import Labels

/// Every template, drawn at 180 (Epson TM), 203 and 300 dpi, is read back by zbar to the exact content.
@Suite struct RasterRoundTripTests {
    static let resolutions: [PrintResolution] = [.dpi180, .dpi203, .dpi300]

    @Test(arguments: Samples.templateNames, resolutions)
    func qrDecodesToTheExactDigitalLink(template name: String, resolution: PrintResolution) throws {
        if Self.tooWideFor180(name, resolution) { return }
        let layout = try LabelLayout(try Samples.template(name), resolution: resolution)
        let renderer = try LabelRenderer(layout: layout)
        let data = Samples.data(for: name)
        let bitmap = try renderer.render(data)
        #expect(bitmap.width == resolution.dots(layout.template.widthMM))
        let symbols = BarcodeDecoder().decode(bitmap.grayImage())
        let qr = symbols.filter { $0.symbology == .qrCode }
        #expect(qr.count == 1)
        #expect(qr.first?.text == data.digitalLink)
    }

    @Test(arguments: Samples.templateNames, resolutions)
    func aSerialThatNeedsPercentEncodingSurvives(template name: String, resolution: PrintResolution) throws {
        if Self.tooWideFor180(name, resolution) { return }
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template(name), resolution: resolution))
        var data = Samples.data(for: name)
        data.serial = Samples.awkwardSerial
        data.digitalLink = Samples.awkwardLink
        let symbols = BarcodeDecoder().decode(try renderer.render(data).grayImage())
        #expect(symbols.first { $0.symbology == .qrCode }?.text == Samples.awkwardLink)
        #expect(Samples.awkwardLink.contains("A%2F7%2BQ%252"))
    }

    /// 180 dpi heads are Epson's 80 mm receipt printers: the 100 mm carton label is not for them,
    /// and its GS1-128 at the minimum module width does not fit there, which the layout says.
    static func tooWideFor180(_ name: String, _ resolution: PrintResolution) -> Bool {
        guard resolution == .dpi180, name == "carton-100x70" else { return false }
        #expect(throws: LabelTemplateError.self) { try LabelLayout(try Samples.template(name), resolution: resolution) }
        return true
    }

    @Test(arguments: [PrintResolution.dpi203, .dpi300])
    func cartonGS1_128CarriesTheSSCC(resolution: PrintResolution) throws {
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template("carton-100x70"), resolution: resolution))
        let symbols = BarcodeDecoder().decode(try renderer.render(Samples.carton).grayImage())
        let bars = symbols.filter { $0.symbology == .gs1_128 }
        #expect(bars.count == 1)
        #expect(bars.first?.text == "00" + Samples.carton.sscc)
    }

    @Test func theSameDataDrawsTheSameDotsEveryTime() throws {
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template("mien-dong-50x30")))
        let first = try renderer.render(Samples.stamp)
        var other = Samples.stamp
        other.serial = "ZZZZZZZZZZ"
        _ = try renderer.render(other)           // fills the caches with other text
        #expect(try renderer.render(Samples.stamp) == first)
        #expect(try LabelRenderer(layout: renderer.layout).render(Samples.stamp) == first)
    }

    @Test func pngPreviewIsExactlyTheBitmapThatIsSent() throws {
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template("mien-dong-50x30")))
        let bitmap = try renderer.render(Samples.stamp)
        let back = LabelBitmap(thresholding: try PNGCodec.decode(try bitmap.pngData()))
        #expect(back == bitmap)
        #expect(ZPLEncoder.raster(back) == ZPLEncoder.raster(bitmap))
    }

    @Test func symbolsSitOnByteBoundariesWhenTheirModulesAreWholeNibbles() throws {
        let layout = try LabelLayout(try Samples.template("mien-dong-50x30"))
        guard case .qr(let g) = layout.elements[0].geometry else { Issue.record("first element is the QR"); return }
        #expect(g.moduleDots == 4)
        #expect(g.x % 8 == 0)
    }
}

/// Rendering refuses data that would print a wrong or unreadable label, and says which element.
@Suite struct RenderErrorTests {
    let renderer: LabelRenderer

    init() throws {
        renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template("mien-dong-50x30")))
    }

    @Test func contentLongerThanTheSizedSymbolIsRefused() throws {
        var data = Samples.stamp
        data.digitalLink = "https://txng.backan.gov.vn/01/08938512345017/10/" + String(repeating: "X", count: 80)
        #expect(throws: LabelRenderError(template: "mien-dong-50x30", element: ElementReference(index: 1, name: "qr", type: "qr"),
                                         problem: .contentTooLong(length: 128, capacity: 106, unit: "bytes"))) {
            try renderer.compose(data)
        }
    }

    @Test func anEmptyDigitalLinkIsRefused() throws {
        var data = Samples.stamp
        data.digitalLink = ""
        #expect(throws: LabelRenderError(template: "mien-dong-50x30", element: ElementReference(index: 1, name: "qr", type: "qr"),
                                         problem: .emptyContent)) {
            try renderer.compose(data)
        }
    }

    @Test func aMissingDateNamesTheFieldAndTheElement() throws {
        var data = Samples.stamp
        data.expiryDate = nil
        do {
            _ = try renderer.compose(data)
            Issue.record("a missing expiry date must not print")
        } catch {
            #expect(error.problem == .missingValue(.expiryDate))
            #expect(error.element == ElementReference(index: 4, name: "expiry", type: "text"))
            #expect(error.description.contains("expiry_date"))
        }
    }

    @Test func textThatCannotShrinkEnoughIsRefused() throws {
        var data = Samples.stamp
        data.serial = String(repeating: "W", count: 60)
        do {
            _ = try renderer.compose(data)
            Issue.record("an unreadable serial must not print")
        } catch {
            #expect(error.element.name == "serial")
            guard case .textDoesNotFit = error.problem else { Issue.record("\(error)"); return }
        }
    }

    @Test func longTextShrinksToFit() throws {
        var data = Samples.stamp
        data.serial = "K7QM2X9PA4K7QM"
        let label = try renderer.compose(data)
        let serial = label.items.compactMap { item -> TextItem? in
            if case .text(let t) = item, t.element.name == "serial" { return t } else { return nil }
        }.first!
        #expect(serial.emDots < PrintResolution.dpi203.dots(points: 7))
        #expect(serial.lineWidths[0] <= serial.boxWidth)
    }

    @Test func aCharacterTheFontLacksIsRefusedNotPrintedAsABox() throws {
        var data = Samples.stamp
        data.productName = "Miến dong 米粉"
        do {
            _ = try renderer.compose(data)
            Issue.record("tofu must not print")
        } catch {
            guard case .missingGlyph(let c, let scalar, _) = error.problem else { Issue.record("\(error)"); return }
            #expect(c == "米")
            #expect(scalar == 0x7C73)
        }
        #expect(renderer.missingGlyphs(in: "Miến dong 米粉") == ["米", "粉"])
        #expect(renderer.missingGlyphs(in: "Miến dong Na Rì").isEmpty)
    }
}
