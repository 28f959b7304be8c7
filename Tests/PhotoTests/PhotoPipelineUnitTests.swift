import Foundation
import Testing
@testable import Barcodes

/// The pieces under the photo pipeline, each against values worked out by hand.
@Suite struct PhotoPipelineUnitTests {
    /// A 3 × 2 image with distinct pixels:  1 2 3 / 4 5 6.
    static let small = GrayImage(width: 3, height: 2, pixels: [1, 2, 3, 4, 5, 6])

    /// EXIF 2.3 orientation values: how the stored image must be turned to look upright.
    @Test(arguments: [
        (1, 3, [1, 2, 3, 4, 5, 6] as [UInt8]),
        (2, 3, [3, 2, 1, 6, 5, 4]),        // mirrored
        (3, 3, [6, 5, 4, 3, 2, 1]),        // 180°
        (4, 3, [4, 5, 6, 1, 2, 3]),        // flipped
        (5, 2, [1, 4, 2, 5, 3, 6]),        // transposed
        (6, 2, [4, 1, 5, 2, 6, 3]),        // stored 90° anticlockwise: turn clockwise
        (7, 2, [6, 3, 5, 2, 4, 1]),        // transverse
        (8, 2, [3, 6, 2, 5, 1, 4]),        // stored 90° clockwise: turn anticlockwise
    ])
    func exifOrientationTurnsTheImageUpright(orientation: Int, width: Int, pixels: [UInt8]) {
        let upright = Self.small.oriented(exif: orientation)
        #expect(upright.width == width)
        #expect(upright.pixels == pixels)
    }

    @Test func exifOrientationIsReadFromBothByteOrders() {
        func jpeg(littleEndian: Bool, orientation: UInt8) -> [UInt8] {
            let tiff: [UInt8] = littleEndian
                ? [0x49, 0x49, 0x2A, 0x00, 0x08, 0, 0, 0, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0]
                : [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 0x08, 0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0, 0, 0, 0x01, 0, orientation, 0, 0, 0, 0, 0, 0]
            let app1 = Array("Exif".utf8) + [0, 0] + tiff
            let length = app1.count + 2
            return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 255)] + app1 + [0xFF, 0xD9]
        }
        #expect(EXIFOrientation.read(jpeg(littleEndian: true, orientation: 6)) == 6)
        #expect(EXIFOrientation.read(jpeg(littleEndian: false, orientation: 8)) == 8)
        #expect(EXIFOrientation.read(jpeg(littleEndian: true, orientation: 9)) == 1)   // out of range
        #expect(EXIFOrientation.read(Array(jpeg(littleEndian: true, orientation: 6).prefix(20))) == 1)   // cut short
    }

    @Test func largeJPEGsAreDecodedAtAReducedScaleWithinThePixelLimit() throws {
        let e = try #require(PhotoCorpus.manifest.first { $0.category == "12mp" })
        let bytes = try PhotoCorpus.bytes(e)
        let full = try JPEGCodec.decode(bytes)
        #expect((full.image.width, full.image.height, full.scale) == (4000, 3000, 1))
        let half = try JPEGCodec.decode(bytes, maxPixels: 4_000_000)
        #expect((half.image.width, half.image.height, half.scale) == (2000, 1500, 0.5))
        #expect(throws: ImageCodecError.tooLarge(width: 4000, height: 3000, maxPixels: 100_000)) {
            try JPEGCodec.decode(bytes, maxPixels: 100_000)
        }
    }

    @Test func base64MatchesFoundation() {
        var g = CorpusLabels.Seeded(state: 3)
        for n in 0..<40 {
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            let ours = Base64.encode(bytes)
            #expect(ours == Data(bytes).base64EncodedString())
            #expect(Base64.decode(ours) == bytes)
        }
        #expect(Base64.decode("abc") == nil)
        #expect(Base64.decode("ab=c") == nil)
    }

    @Test func symbolsSurviveJSONWithTheirBytesEvenWhenNotUTF8() throws {
        let symbol = DecodedSymbol(symbology: .dataMatrix, bytes: [0x30, 0x31, 0x1D, 0xFF, 0x00], quality: 2,
                                   points: [(1, 2), (3, 4), (5, 6), (7, 8)])
        let json = try JSONEncoder().encode(symbol)
        #expect(!String(decoding: json, as: UTF8.self).contains("\"text\""))
        #expect(try JSONDecoder().decode(DecodedSymbol.self, from: json) == symbol)
    }

    @Test func pointsOfShrunkAndEnlargedPassesMapBackToThePhoto() {
        let shrunk = PixelTransform.scale(0.5).then(.scale(1.0 / 3))   // half of a 1/3 working image
        #expect(shrunk.apply((100, 50)) == (600, 300))
        let enlarged = PixelTransform.scale(2)
        #expect(enlarged.apply((100, 50)) == (50, 25))
    }

    @Test func filtersKeepTheirPromises() {
        // Box-filter shrinking averages blocks.
        let checker = GrayImage(width: 4, height: 2, pixels: [0, 255, 0, 255, 255, 0, 255, 0])
        #expect(checker.downscaled(by: 2).pixels == [128, 128])
        // Contrast stretching maps the darkest and lightest values to black and white.
        let dull = GrayImage(width: 4, height: 1, pixels: [100, 120, 140, 160])
        #expect(dull.contrastStretched(low: 0, high: 1).pixels == [0, 85, 170, 255])
        // Local thresholding: a dark pixel in a light neighbourhood is black, the rest white,
        // whatever the overall brightness.
        var dim = GrayImage(width: 9, height: 9, fill: 60)
        dim[4, 4] = 30
        let t = dim.adaptiveThresholded(radius: 2, offset: 4)
        #expect(t[4, 4] == 0 && t.pixels.filter { $0 == 0 }.count == 1)
        // Bilinear enlargement keeps a flat image flat and doubles its size.
        let up = GrayImage(width: 3, height: 2, fill: 77).resized(width: 6, height: 4)
        #expect(up.width == 6 && up.height == 4 && up.pixels.allSatisfy { $0 == 77 })
    }

    @Test func everyErrorSaysWhatToDoInBothLanguagesAndMapsToAnExitStatus() {
        let errors: [PhotoDecodingError] = [
            .emptyFile, .fileTooLarge(bytes: 40_000_000, limit: 31_457_280), .unsupportedFormat(signature: "47 49 46 38"),
            .malformed(format: "JPEG", reason: "Premature end"), .tooManyPixels(width: 20000, height: 20000, limit: 16_000_000),
            .timedOut(seconds: 3.5), .decoderCrashed(detail: "signal 11"), .decoderUnavailable(path: "/x", reason: "missing"),
            .unreadableFile(path: "/y", reason: "permission denied"),
        ]
        #expect(Set(errors.map(\.kind)).count == errors.count)
        #expect(Set(errors.map(\.vietnameseMessage)).count == errors.count)
        for e in errors {
            #expect(e.description.contains(";") || e.description.contains(":"), "\(e.kind) says what to do")
            #expect(DecodeProcessStatus(e) != .decoded)
        }
        #expect(DecodeProcessStatus(.fileTooLarge(bytes: 1, limit: 0)) == .tooLarge)
        #expect(DecodeProcessStatus(.malformed(format: "PNG", reason: "")) == .malformedImage)
        #expect(PhotoDecodingError.timedOut(seconds: 3.5).description.contains("3.5 s"))
    }
}
