#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Raster ZPL for the labels of one run (a print job's batch), in layers.
///
/// On a batch's stamps most elements never change (product name, lot, dates, producer, rules);
/// only the QR and the serial do. The unchanging elements are drawn and compressed once, as one
/// label-sized graphic field that every label repeats byte for byte; each label adds one small
/// graphic field per changing element, cropped to the bytes that element darkens and carrying
/// the final dots of that area (the unchanging elements' dots in it included). A printer burns
/// the dark dots of every field, so the label prints exactly the bitmap the preview shows; and
/// since each added field already holds the final dots of its area, a printer that let a later
/// field replace what lies under it would print the same.
///
/// Which elements change is learnt from two probe labels of the run. Each label is checked
/// against the shared elements before it is layered: one that differs (it cannot, unless the
/// batch's own data changed) is sent as a single whole-label field instead, so the output is
/// always the label's exact bitmap.
public struct ZPLLayeredRaster: Sendable {
    /// Indices of the composed items that change from label to label.
    public let varying: [Int]
    let shared: [ComposedLabel.Item?]
    let sharedBitmap: LabelBitmap
    let sharedField: ZPLEncoder.GraphicField?
    let encoding: ZPLOptions.GraphicEncoding

    /// Learns the changing elements from two labels of the run (two serials of the batch) and
    /// draws the rest. Nil when layering cannot help: the probes differ in layout, or in every element.
    public init?(renderer: LabelRenderer, probes a: ComposedLabel, _ b: ComposedLabel,
                 encoding: ZPLOptions.GraphicEncoding) throws(LabelRenderError) {
        guard a.items.count == b.items.count, a.widthDots == b.widthDots, a.heightDots == b.heightDots else { return nil }
        let varying = a.items.indices.filter { a.items[$0] != b.items[$0] }
        guard varying.count < a.items.count else { return nil }
        self.varying = varying
        shared = a.items.indices.map { varying.contains($0) ? nil : a.items[$0] }
        var bitmap = LabelBitmap(width: a.widthDots, height: a.heightDots)
        for case let item? in shared { try renderer.draw(item, into: &bitmap, template: a.templateName) }
        sharedBitmap = bitmap
        sharedField = bitmap.blackDotCount == 0 ? nil : ZPLEncoder.GraphicField(bitmap, x: 0, y: 0, encoding: encoding)
        self.encoding = encoding
    }

    /// Whether `label` has this run's shared elements, so it can be sent in layers.
    public func fits(_ label: ComposedLabel) -> Bool {
        guard label.items.count == shared.count, label.widthDots == sharedBitmap.width, label.heightDots == sharedBitmap.height else {
            return false
        }
        for (i, s) in shared.enumerated() { if let s, s != label.items[i] { return false } }
        return true
    }

    /// The label's bitmap and its graphic fields: the shared one, then one per changing element.
    /// Labels that do not ``fits(_:)`` the run get one whole-label field.
    public func fields(for label: ComposedLabel, renderer: LabelRenderer) throws(LabelRenderError)
        -> (bitmap: LabelBitmap, fields: [ZPLEncoder.GraphicField]) {
        guard fits(label) else {
            let bitmap = try renderer.rasterize(label)
            return (bitmap, [ZPLEncoder.GraphicField(bitmap, x: 0, y: 0, encoding: encoding)])
        }
        var bitmap = sharedBitmap
        for i in varying { try renderer.draw(label.items[i], into: &bitmap, template: label.templateName) }
        // Each changing element's dots lie in or near its nominal area: crop each area to the
        // bytes that changed there, then make sure no changed byte lies outside every block
        // (a glyph reaching far out of its box); if one does, one block covers all changes.
        var blocks: [Block] = []
        for i in varying {
            if let area = Self.area(of: label.items[i], bitmap: bitmap), let b = changes(in: area, of: bitmap) { blocks.append(b) }
        }
        if !covers(blocks, bitmap) {
            blocks = changes(in: Block(firstByte: 0, byteCount: bitmap.bytesPerRow, y: 0, height: bitmap.height), of: bitmap).map { [$0] } ?? []
        }
        var fields = sharedField.map { [$0] } ?? []
        for b in blocks {
            let area = bitmap.cropped(firstByte: b.firstByte, byteCount: b.byteCount, y: b.y, height: b.height)
            fields.append(ZPLEncoder.GraphicField(area, x: b.firstByte * 8, y: b.y, encoding: encoding))
        }
        return (bitmap, fields)
    }

    /// Whole bytes of rows: byte columns `firstByte ..< firstByte + byteCount`, rows `y ..< y + height`.
    struct Block: Equatable {
        var firstByte: Int, byteCount: Int, y: Int, height: Int
    }

    /// Where an element draws, in whole bytes, with a margin for glyphs that leave their box.
    static func area(of item: ComposedLabel.Item, bitmap: LabelBitmap) -> Block? {
        let r: DotRect
        switch item {
        case .qr(let q):
            let side = (4 * q.version + 17) * q.moduleDots
            r = DotRect(x: q.x, y: q.y, width: side, height: side)
        case .dataMatrix(let d):
            r = DotRect(x: d.x, y: d.y, width: d.symbolSize * d.moduleDots, height: d.symbolSize * d.moduleDots)
        case .gs1_128(let g):
            r = DotRect(x: g.x, y: g.y, width: g.symbol.widths.reduce(0, +) * g.moduleDots, height: g.height)
        case .text(let t):
            let m = t.emDots
            r = DotRect(x: t.x - m, y: t.y - m, width: t.boxWidth + 2 * m, height: t.lines.count * t.lineHeight + 2 * m)
        case .line(let rect, _), .box(let rect, _, _):
            r = rect
        }
        let x0 = max(0, r.x), y0 = max(0, r.y)
        let x1 = min(bitmap.width, r.x + r.width), y1 = min(bitmap.height, r.y + r.height)
        guard x0 < x1, y0 < y1 else { return nil }
        return Block(firstByte: x0 / 8, byteCount: (x1 - 1) / 8 - x0 / 8 + 1, y: y0, height: y1 - y0)
    }

    /// The smallest block inside `area` holding every byte where `bitmap` differs from the shared one.
    func changes(in area: Block, of bitmap: LabelBitmap) -> Block? {
        let bpr = bitmap.bytesPerRow
        return bitmap.bits.withUnsafeBufferPointer { now -> Block? in
            sharedBitmap.bits.withUnsafeBufferPointer { was -> Block? in
                var top = -1, bottom = -1, left = Int.max, right = -1
                for r in area.y..<(area.y + area.height) {
                    let a = now.baseAddress! + r * bpr + area.firstByte, b = was.baseAddress! + r * bpr + area.firstByte
                    guard memcmp(a, b, area.byteCount) != 0 else { continue }
                    var first = 0
                    while a[first] == b[first] { first += 1 }
                    var last = area.byteCount - 1
                    while a[last] == b[last] { last -= 1 }
                    if top < 0 { top = r }
                    bottom = r
                    left = min(left, first)
                    right = max(right, last)
                }
                guard top >= 0 else { return nil }
                return Block(firstByte: area.firstByte + left, byteCount: right - left + 1, y: top, height: bottom - top + 1)
            }
        }
    }

    /// Whether every byte where `bitmap` differs from the shared one lies in one of `blocks`.
    func covers(_ blocks: [Block], _ bitmap: LabelBitmap) -> Bool {
        let bpr = bitmap.bytesPerRow
        return bitmap.bits.withUnsafeBufferPointer { now in
            sharedBitmap.bits.withUnsafeBufferPointer { was in
                var spans: [(Int, Int)] = []
                for r in 0..<bitmap.height {
                    let a = now.baseAddress! + r * bpr, b = was.baseAddress! + r * bpr
                    if memcmp(a, b, bpr) == 0 { continue }
                    // The row's bytes outside the blocks that cover it must be unchanged.
                    spans.removeAll(keepingCapacity: true)
                    for k in blocks where r >= k.y && r < k.y + k.height { spans.append((k.firstByte, k.firstByte + k.byteCount)) }
                    spans.sort { $0.0 < $1.0 }
                    var x = 0
                    for (s, e) in spans {
                        if s > x, memcmp(a + x, b + x, s - x) != 0 { return false }
                        x = max(x, e)
                    }
                    if x < bpr, memcmp(a + x, b + x, bpr - x) != 0 { return false }
                }
                return true
            }
        }
    }

    /// The label's bitmap and its raster ZPL.
    public func encode(_ label: ComposedLabel, renderer: LabelRenderer, options: ZPLOptions = .init()) throws(LabelRenderError)
        -> (bitmap: LabelBitmap, zpl: [UInt8]) {
        let (bitmap, fields) = try fields(for: label, renderer: renderer)
        return (bitmap, ZPLEncoder.raster(width: bitmap.width, height: bitmap.height, fields: fields, options: options))
    }
}
