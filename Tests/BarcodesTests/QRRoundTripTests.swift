import Testing
@testable import Barcodes

/// libqrencode writes, zbar reads: the two C libraries agree on the exact bytes.
@Suite struct QRRoundTripTests {
    static let digitalLinks = [
        "https://txng.backan.gov.vn/01/08938512345017/10/MD250314A/21/K7QM2X9PA4?17=260313",
        "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=180426",
        "https://txng.hue.gov.vn/01/08938512345024/10/TT%2F2025%3F1/21/A%26B%3D7?17=251231&11=250901",
    ]

    @Test(arguments: digitalLinks, QRErrorCorrection.allCases)
    func digitalLinkSurvivesEncodeThenDecode(text: String, level: QRErrorCorrection) throws {
        let code = try QREncoder.encode(text, errorCorrection: level)
        let symbols = BarcodeDecoder().decode(code.image(scale: 4))
        #expect(symbols.count == 1)
        #expect(symbols.first?.symbology == .qrCode)
        #expect(symbols.first?.text == text)
    }

    @Test func vietnameseUTF8ComesBackAsUTF8NotBig5() throws {
        let text = "Miến dong Na Rì · Lô MD250314A · HSD 13/03/2026 · Thanh trà Huế"
        let symbols = BarcodeDecoder().decode(try QREncoder.encode(text).image(scale: 3))
        #expect(symbols.map(\.text) == [text])
    }

    @Test func elementStringWithGroupSeparatorsKeepsEveryByte() throws {
        let text = "01089385123450171726031310MD250314A\u{1D}21K7QM2X9PA4"
        let symbols = BarcodeDecoder().decode(try QREncoder.encode(text).image(scale: 4))
        #expect(symbols.first?.bytes == Array(text.utf8))
    }

    @Test func higherErrorCorrectionNeedsAtLeastAsManyModules() throws {
        let text = Self.digitalLinks[0]
        let sizes = try QRErrorCorrection.allCases.map { try QREncoder.encode(text, errorCorrection: $0).size }
        #expect(sizes == sizes.sorted())
        #expect(sizes.first! >= 21)
    }

    @Test func emptyAndOversizedInputAreRejectedWithReasons() throws {
        #expect(throws: QREncodingError.empty) { try QREncoder.encode("") }
        let huge = String(repeating: "x", count: 3000)
        #expect(throws: QREncodingError.tooLong(bytes: 3000, level: .high)) {
            try QREncoder.encode(huge, errorCorrection: .high)
        }
    }

    @Test func blankImageHasNoSymbols() {
        #expect(BarcodeDecoder().decode(GrayImage(width: 200, height: 200)).isEmpty)
    }
}

@Suite struct PNGCodecTests {
    @Test func pngRoundTripKeepsEveryPixelAndStillDecodes() throws {
        let img = try QREncoder.encode(QRRoundTripTests.digitalLinks[0]).image(scale: 3)
        let png = try PNGCodec.encode(img)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let back = try PNGCodec.decode(png)
        #expect(back == img)
        #expect(BarcodeDecoder().decode(back).first?.text == QRRoundTripTests.digitalLinks[0])
    }

    @Test func truncatedAndGarbageFilesAreErrorsNotCrashes() throws {
        let png = try PNGCodec.encode(GrayImage(width: 10, height: 10))
        for bad in [Array(png.prefix(30)), [UInt8](repeating: 0x42, count: 100), []] {
            #expect(throws: ImageCodecError.self) { try PNGCodec.decode(bad) }
        }
    }

    @Test func oversizedImagesAreRefusedBeforeDecoding() throws {
        let png = try PNGCodec.encode(GrayImage(width: 100, height: 100))
        #expect(throws: ImageCodecError.tooLarge(width: 100, height: 100, maxPixels: 5000)) {
            try PNGCodec.decode(png, maxPixels: 5000)
        }
    }
}
