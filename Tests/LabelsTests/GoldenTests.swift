import Barcodes
import Foundation
import Testing
@testable import Labels

/// Byte-exact jobs for the sample stamp, and the reference rendering of Vietnamese text.
///
/// Regenerate after an intended change (and review the diff and the PNGs):
///
///     UPDATE_GOLDEN=1 swift test --filter Golden
///
/// The files depend on the fonts (DejaVu Sans 2.37, Debian `fonts-dejavu-core`) and on
/// FreeType's monochrome hinter (2.12); a different version of either changes the text dots.
@Suite struct GoldenTests {
    let renderer: LabelRenderer
    let label: ComposedLabel
    let bitmap: LabelBitmap

    init() throws {
        renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template("mien-dong-50x30")))
        label = try renderer.compose(Samples.stamp)
        bitmap = try renderer.rasterize(label)
    }

    @Test func zplNative() throws {
        try Golden.check(ZPLEncoder.native(label), named: "mien-dong-50x30-203.native.zpl")
    }

    @Test func zplRaster() throws {
        let zpl = ZPLEncoder.raster(bitmap)
        try Golden.check(zpl, named: "mien-dong-50x30-203.raster.zpl")
    }

    @Test func escposNative() throws {
        try Golden.check(try ESCPOSEncoder.native(label), named: "mien-dong-50x30-203.native.escpos")
    }

    @Test func escposRaster() throws {
        try Golden.check(try ESCPOSEncoder.raster(bitmap), named: "mien-dong-50x30-203.raster.escpos")
    }

    @Test func previewBitmap() throws {
        try Golden.checkBitmap(bitmap, named: "mien-dong-50x30-203.png")
    }

    @Test func vietnameseLineMatchesTheReferenceBitmap() throws {
        let line = try renderer.textBitmap("Miến dong Na Rì · Lô MD250314A · HSD 13/03/2026", points: 8)
        try Golden.checkBitmap(line, named: "vietnamese-line-8pt-203.png")
        let bold = try renderer.textBitmap("Miến dong Na Rì · Lô MD250314A · HSD 13/03/2026", points: 8, bold: true)
        try Golden.checkBitmap(bold, named: "vietnamese-line-8pt-bold-203.png")
    }
}

/// Compares output with the committed files under `Golden/`, or rewrites them.
enum Golden {
    static let regenerate = "UPDATE_GOLDEN=1 swift test --filter Golden"

    static var updating: Bool { ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" }

    /// The source folder (not the test bundle's copy), for rewriting.
    static var sourceDirectory: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("Golden")
    }

    static func expected(_ name: String) -> [UInt8]? {
        guard let dir = Bundle.module.url(forResource: "Golden", withExtension: nil),
              let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else { return nil }
        return [UInt8](data)
    }

    static func check(_ actual: [UInt8], named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if updating {
            try Data(actual).write(to: sourceDirectory.appendingPathComponent(name))
            return
        }
        guard let expected = expected(name) else {
            Issue.record("no golden file \(name); create it with \(regenerate)", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("actual-" + name)
            try Data(actual).write(to: out)
            let at = (0..<min(expected.count, actual.count)).first { expected[$0] != actual[$0] } ?? min(expected.count, actual.count)
            let message = "\(name) differs from the golden file at byte \(at) (\(actual.count) vs \(expected.count) bytes); "
                + "actual output in \(out.path); if the change is intended: \(regenerate)"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
    }

    /// Bitmaps are compared dot for dot (not as PNG bytes, which depend on libpng).
    static func checkBitmap(_ actual: LabelBitmap, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if updating {
            try Data(try actual.pngData()).write(to: sourceDirectory.appendingPathComponent(name))
            return
        }
        guard let png = expected(name) else {
            Issue.record("no golden file \(name); create it with \(regenerate)", sourceLocation: sourceLocation)
            return
        }
        let expected = LabelBitmap(thresholding: try PNGCodec.decode(png))
        if expected != actual {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("actual-" + name)
            try Data(try actual.pngData()).write(to: out)
            var differing = 0
            if expected.width == actual.width && expected.height == actual.height {
                differing = zip(expected.bits, actual.bits).reduce(0) { $0 + ($1.0 ^ $1.1).nonzeroBitCount }
            }
            let message = "\(name): \(actual.width)×\(actual.height) dots, golden \(expected.width)×\(expected.height), "
                + "\(differing) dots differ; actual in \(out.path); if intended: \(regenerate)"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
    }
}
