import Foundation
import Testing
@testable import Labels

/// Raster ZPL in layers: the batch's shared elements once, each changing element cropped.
@Suite struct LayeredRasterTests {
    /// Layers learnt from two probe stamps of `data`'s batch (another serial, another link).
    static func layers(_ renderer: LabelRenderer, _ data: LabelData, _ encoding: ZPLOptions.GraphicEncoding) throws -> ZPLLayeredRaster? {
        func probe(_ serial: String) throws -> ComposedLabel {
            var d = data
            d.digitalLink = String(data.digitalLink.dropLast()) + String(serial.last!)
            d.serial = serial
            return try renderer.compose(d)
        }
        return try ZPLLayeredRaster(renderer: renderer, probes: try probe("LAYERPROBE0"), try probe("LAYERPROBE1"), encoding: encoding)
    }

    /// The dots the printer burns: every field's dark dots at its place.
    static func printed(_ zpl: [UInt8], width: Int, height: Int) throws -> LabelBitmap {
        var canvas = LabelBitmap(width: width, height: height)
        let text = String(decoding: zpl, as: UTF8.self)
        var fields = 0
        for chunk in text.components(separatedBy: "^FO").dropFirst() {
            let origin = chunk.prefix { $0 != "^" }.split(separator: ",").compactMap { Int($0) }
            let gf = try #require(chunk.range(of: "^GFA,"), "a field without a graphic: \(chunk.prefix(40))")
            let parts = chunk[gf.upperBound...].split(separator: ",", maxSplits: 3)
            let bpr = try #require(Int(parts[2]))
            let body = String(parts[3].prefix { $0 != "^" })
            var d = ASCIIDecompressor(bytesPerRow: bpr)
            try d.feed(body)
            let field = LabelBitmap(width: bpr * 8, height: d.rows.count, bits: d.rows.flatMap { $0 })
            for y in 0..<field.height {
                for x in 0..<field.width where field[x, y] && origin[0] + x < width && origin[1] + y < height {
                    canvas.fill(x: origin[0] + x, y: origin[1] + y, width: 1, height: 1)
                }
            }
            fields += 1
        }
        #expect(fields > 0)
        return canvas
    }

    @Test(arguments: Samples.templateNames)
    func fieldsTogetherPrintExactlyTheBitmap(template name: String) throws {
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template(name)))
        let data = Samples.data(for: name)
        let layers = try #require(try Self.layers(renderer, data, .asciiCompressed))
        #expect(!layers.varying.isEmpty)
        let label = try renderer.compose(data)
        #expect(layers.fits(label))
        let (bitmap, fields) = try layers.fields(for: label, renderer: renderer)
        #expect(bitmap == (try renderer.render(data)))
        #expect(fields.count >= 2, "the shared field and at least one changing element")
        // The shared field is the same bytes on every stamp; the others are smaller than a label.
        var other = data
        other.serial = "ZZZZ9999ZZ"
        other.digitalLink = String(data.digitalLink.dropLast()) + "9"
        let (otherBitmap, otherFields) = try layers.fields(for: try renderer.compose(other), renderer: renderer)
        #expect(otherFields.first == fields.first)
        #expect(otherBitmap == (try renderer.render(other)))
        for f in fields.dropFirst() { #expect(f.bytesPerRow * f.rows < bitmap.bits.count) }
        let zpl = ZPLEncoder.raster(width: bitmap.width, height: bitmap.height, fields: fields)
        #expect(try Self.printed(zpl, width: bitmap.width, height: bitmap.height) == bitmap)
    }

    @Test func aLabelWhoseSharedElementsDifferIsSentWhole() throws {
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template("mien-dong-50x30")))
        let layers = try #require(try Self.layers(renderer, Samples.stamp, .asciiCompressed))
        var other = Samples.stamp
        other.lot = "MD250315B"
        let label = try renderer.compose(other)
        #expect(!layers.fits(label))
        let (bitmap, zpl) = try layers.encode(label, renderer: renderer)
        #expect(bitmap == (try renderer.render(other)))
        #expect(String(decoding: zpl, as: UTF8.self).components(separatedBy: "^GFA,").count == 2)
        #expect(try Self.printed(zpl, width: bitmap.width, height: bitmap.height) == bitmap)
    }

    @Test func probesThatDifferEverywhereGiveNoLayers() throws {
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template("mien-dong-50x30")))
        let a = try renderer.compose(Samples.stamp), b = try renderer.compose(Samples.thanhTra)
        let all = a.items.indices.allSatisfy { a.items[$0] != b.items[$0] }
        #expect((try ZPLLayeredRaster(renderer: renderer, probes: a, b, encoding: .z64) == nil) == all)
    }

    @Test func changedBytesOutsideTheElementsAreasAreStillSent() throws {
        // A text element whose glyphs reach beyond its area still prints: the coverage check
        // falls back to one block holding every changed byte.
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template("mien-dong-50x30")))
        let layers = try #require(try Self.layers(renderer, Samples.stamp, .asciiCompressed))
        var bitmap = layers.sharedBitmap
        bitmap.fill(x: 0, y: bitmap.height - 2, width: 8, height: 1)       // far from every element
        #expect(!layers.covers([], bitmap))
        let all = try #require(layers.changes(in: .init(firstByte: 0, byteCount: bitmap.bytesPerRow, y: 0, height: bitmap.height), of: bitmap))
        #expect(all == .init(firstByte: 0, byteCount: 1, y: bitmap.height - 2, height: 1))
        #expect(layers.covers([all], bitmap))
    }
}
