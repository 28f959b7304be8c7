import Barcodes
import Foundation

/// Fills a compiled layout with data and draws it: the one stateful part of label printing.
///
/// It owns the FreeType faces and caches glyphs per size and the fitted text of each element
/// (a batch prints the same product name thousands of times; only the serial changes), so it
/// is a class and is used by one task at a time: make one per print queue.
public final class LabelRenderer {
    /// The compiled template this renderer draws.
    public let layout: LabelLayout
    let fonts: FontSet
    private var lastText: [String?]
    private var lastItem: [TextItem?]

    /// A renderer for `layout`, reading glyphs from `fonts`.
    public init(layout: LabelLayout, fonts: LabelFonts = .dejaVuSans) throws(FontError) {
        self.layout = layout
        self.fonts = try FontSet(fonts)
        self.lastText = Array(repeating: nil, count: layout.elements.count)
        self.lastItem = Array(repeating: nil, count: layout.elements.count)
    }

    /// Resolves every element's content from `data` and fits the text.
    public func compose(_ data: LabelData) throws(LabelRenderError) -> ComposedLabel {
        var items: [ComposedLabel.Item] = []
        items.reserveCapacity(layout.elements.count)
        for (i, placed) in layout.elements.enumerated() {
            let ref = placed.element.reference
            func fail(_ p: LabelRenderError.Problem) -> LabelRenderError {
                LabelRenderError(template: layout.template.name, element: ref, problem: p)
            }
            func resolve(_ t: FieldTemplate) throws(LabelRenderError) -> String {
                switch t.resolve(data) {
                case .success(let s): return s
                case .failure(let missing): throw fail(.missingValue(missing.field))
                }
            }
            switch placed.geometry {
            case .qr(let g):
                let content = try resolve(g.content)
                let bytes = content.utf8.count
                guard bytes > 0 else { throw fail(.emptyContent) }
                guard bytes <= g.capacityBytes else {
                    throw fail(.contentTooLong(length: bytes, capacity: g.capacityBytes, unit: "bytes"))
                }
                if content.utf8.contains(0) { throw fail(.unencodable("a NUL byte")) }
                items.append(.qr(QRItem(element: ref, x: g.x, y: g.y, moduleDots: g.moduleDots,
                                        version: g.version, level: g.level, content: content)))
            case .dataMatrix(let g):
                let content = try resolve(g.content)
                guard !content.isEmpty else { throw fail(.emptyContent) }
                let count = DataMatrixSymbol.asciiCodewords(Array(content.utf8), gs1: g.gs1).count
                guard count <= g.capacityCodewords else {
                    throw fail(.contentTooLong(length: count, capacity: g.capacityCodewords, unit: "codewords"))
                }
                items.append(.dataMatrix(DataMatrixItem(element: ref, x: g.x, y: g.y, moduleDots: g.moduleDots,
                                                        symbolSize: g.symbolSize, gs1: g.gs1, content: content)))
            case .gs1_128(let g):
                let content = try resolve(g.content)
                guard !content.isEmpty else { throw fail(.emptyContent) }
                let symbol: Code128Symbol
                do { symbol = try Code128Symbol(gs1: content) } catch { throw fail(.unencodable(error.description)) }
                let span = symbol.moduleCount + 2 * g.quietZoneModules
                guard span * g.moduleDots <= g.boxWidth else {
                    throw fail(.contentTooLong(length: span, capacity: g.boxWidth / g.moduleDots, unit: "modules"))
                }
                let x = g.boxX + (g.boxWidth - span * g.moduleDots) / 2 + g.quietZoneModules * g.moduleDots
                items.append(.gs1_128(GS1_128Item(element: ref, x: x, y: g.y, moduleDots: g.moduleDots,
                                                  height: g.height, symbol: symbol, content: content)))
            case .text(let g):
                let text = try resolve(g.content)
                if let previous = lastItem[i], lastText[i] == text {
                    items.append(.text(previous))
                    continue
                }
                let item = try fit(text, g, ref)
                lastText[i] = text
                lastItem[i] = item
                items.append(.text(item))
            case .line(let r):
                items.append(.line(r, element: ref))
            case .box(let r, let t):
                items.append(.box(r, thickness: t, element: ref))
            }
        }
        return ComposedLabel(templateName: layout.template.name, resolution: layout.resolution,
                             widthDots: layout.widthDots, heightDots: layout.heightDots, items: items)
    }

    /// Draws a composed label dot for dot; the result is what raster jobs send and what the
    /// PNG preview shows.
    public func rasterize(_ label: ComposedLabel) throws(LabelRenderError) -> LabelBitmap {
        var bitmap = LabelBitmap(width: label.widthDots, height: label.heightDots)
        for item in label.items { try draw(item, into: &bitmap, template: label.templateName) }
        return bitmap
    }

    /// Draws one composed element over what `bitmap` holds (dark dots are added, never removed).
    public func draw(_ item: ComposedLabel.Item, into bitmap: inout LabelBitmap, template: String) throws(LabelRenderError) {
        switch item {
        case .qr(let q):
            let code: QRCode
            do {
                code = try QREncoder.encode(q.content, errorCorrection: q.level, minimumVersion: q.version)
            } catch {
                throw LabelRenderError(template: template, element: q.element,
                                       problem: .unencodable("the QR content (\(error))"))
            }
            guard code.version == q.version else {
                throw LabelRenderError(template: template, element: q.element, problem:
                    .contentTooLong(length: q.content.utf8.count,
                                    capacity: QRCapacity.capacity(version: q.version, level: q.level), unit: "bytes"))
            }
            Self.drawModules(into: &bitmap, x: q.x, y: q.y, size: code.size, module: q.moduleDots) { code.isDark(x: $0, y: $1) }
        case .dataMatrix(let d):
            let symbol: DataMatrixSymbol
            do {
                symbol = try DataMatrixSymbol(bytes: Array(d.content.utf8), gs1: d.gs1, size: d.symbolSize)
            } catch {
                throw LabelRenderError(template: template, element: d.element,
                                       problem: .unencodable("the Data Matrix content (\(error))"))
            }
            Self.drawModules(into: &bitmap, x: d.x, y: d.y, size: symbol.size, module: d.moduleDots) { symbol.isDark(x: $0, y: $1) }
        case .gs1_128(let g):
            var row = LabelBitmap(width: bitmap.width, height: 1)
            var x = g.x
            var bar = true
            for w in g.symbol.widths {
                if bar { row.fill(x: x, y: 0, width: w * g.moduleDots, height: 1) }
                x += w * g.moduleDots
                bar.toggle()
            }
            bitmap.orRow(row.bits, y: g.y, count: g.height)
        case .text(let t):
            drawText(t, into: &bitmap)
        case .line(let r, _):
            bitmap.fill(x: r.x, y: r.y, width: r.width, height: r.height)
        case .box(let r, let thickness, _):
            bitmap.strokeRect(x: r.x, y: r.y, width: r.width, height: r.height, thickness: thickness)
        }
    }

    /// Composes and draws one label.
    public func render(_ data: LabelData) throws(LabelRenderError) -> LabelBitmap {
        try rasterize(try compose(data))
    }

    /// Characters of `text` (after NFC normalisation) the font has no glyph for; empty when
    /// the text will print as written. Lets an operator UI warn before a batch starts.
    public func missingGlyphs(in text: String, bold: Bool = false) -> [Character] {
        let face = bold ? fonts.bold : fonts.regular
        return Self.normalize(text, keepNewlines: false).filter { c in
            c.unicodeScalars.contains { $0.value >= 0x20 && face.glyphIndex($0) == 0 }
        }
    }

    // MARK: - Text

    /// NFC (so Vietnamese letters use their precomposed glyphs) with control characters turned
    /// into spaces; newlines are kept for wrapping text.
    static func normalize(_ text: String, keepNewlines: Bool) -> String {
        var s = text
        if !text.utf8.allSatisfy({ $0 < 0x80 }) { s = text.precomposedStringWithCanonicalMapping }
        guard s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            if u == "\n" && keepNewlines { out.append(u) } else if u.value < 0x20 || u.value == 0x7F { out.append(" ") } else { out.append(u) }
        }
        return String(out)
    }

    private func fit(_ raw: String, _ g: TextGeometry, _ ref: ElementReference) throws(LabelRenderError) -> TextItem {
        let text = Self.normalize(raw, keepNewlines: g.wraps)
        func item(_ lines: [String], _ widths: [Int], _ strike: GlyphStrike) -> TextItem {
            TextItem(element: ref, x: g.x, y: g.y, boxWidth: g.maxWidth, emDots: strike.px, bold: g.bold,
                     alignment: g.alignment, lines: lines, lineWidths: widths,
                     ascender: strike.ascender, lineHeight: strike.lineHeight)
        }
        var px = g.emDots
        while true {
            let strike = fonts.strike(bold: g.bold, px: px)
            let nextPx: Int
            if g.wraps {
                if let (lines, widths) = try wrap(text, strike: strike, width: g.maxWidth, ref: ref),
                   lines.count <= g.maxLines {
                    return item(lines, widths, strike)
                }
                nextPx = px - 1
            } else {
                let w = try measure(text, strike: strike, ref: ref)
                if w <= g.maxWidth { return item(text.isEmpty ? [] : [text], text.isEmpty ? [] : [w], strike) }
                // Width scales with size: jump close to the answer, then step down.
                nextPx = min(px - 1, px * g.maxWidth / max(1, w))
            }
            if px <= g.minimumEmDots {
                throw LabelRenderError(template: layout.template.name, element: ref,
                                       problem: .textDoesNotFit(text: raw, minimumPoints: g.minimumPoints))
            }
            px = max(g.minimumEmDots, nextPx)
        }
    }

    func measure<S: StringProtocol>(_ text: S, strike: GlyphStrike, ref: ElementReference) throws(LabelRenderError) -> Int {
        var w = 0
        for u in text.unicodeScalars {
            guard let glyph = strike.glyph(u) else {
                throw LabelRenderError(template: layout.template.name, element: ref, problem:
                    .missingGlyph(Character(u), scalar: u.value, font: strike.face.path))
            }
            w += glyph.advance
        }
        return w
    }

    /// Greedy word wrap; nil when a single word is wider than the box.
    private func wrap(_ text: String, strike: GlyphStrike, width: Int, ref: ElementReference)
        throws(LabelRenderError) -> ([String], [Int])? {
        var lines: [String] = [], widths: [Int] = []
        let space = try measure(" ", strike: strike, ref: ref)
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = "", lineWidth = 0
            for word in paragraph.split(separator: " ") {
                let w = try measure(word, strike: strike, ref: ref)
                if w > width { return nil }
                if line.isEmpty {
                    line = String(word); lineWidth = w
                } else if lineWidth + space + w <= width {
                    line += " " + word; lineWidth += space + w
                } else {
                    lines.append(line); widths.append(lineWidth)
                    line = String(word); lineWidth = w
                }
            }
            if !line.isEmpty { lines.append(line); widths.append(lineWidth) }
        }
        return (lines, widths)
    }

    func drawText(_ t: TextItem, into bitmap: inout LabelBitmap) {
        let strike = fonts.strike(bold: t.bold, px: t.emDots)
        for (i, line) in t.lines.enumerated() {
            var pen = t.lineX(i)
            let baseline = t.y + t.ascender + i * t.lineHeight
            for u in line.unicodeScalars {
                guard let glyph = strike.glyph(u) else { continue }  // measured before: cannot happen
                if glyph.rows > 0 {
                    glyph.bits.withUnsafeBufferPointer { b in
                        bitmap.blit(b.baseAddress!, width: glyph.width, height: glyph.rows, pitch: glyph.pitch,
                                    x: pen + glyph.left, y: baseline - glyph.top)
                    }
                }
                pen += glyph.advance
            }
        }
    }

    // MARK: - Symbols

    /// Draws a square module grid: each module row is built once as runs of dark modules in a
    /// scratch row, then ORed into its `m` dot rows (other elements' dots stay untouched).
    static func drawModules(into bitmap: inout LabelBitmap, x: Int, y: Int, size: Int, module m: Int,
                            isDark: (Int, Int) -> Bool) {
        var scratch = LabelBitmap(width: bitmap.width, height: 1)
        for row in 0..<size {
            scratch.clear()
            var col = 0
            while col < size {
                guard isDark(col, row) else { col += 1; continue }
                let start = col
                while col < size && isDark(col, row) { col += 1 }
                scratch.fill(x: x + start * m, y: 0, width: (col - start) * m, height: 1)
            }
            bitmap.orRow(scratch.bits, y: y + row * m, count: m)
        }
    }
}

extension LabelRenderer {
    /// One line of text set alone at `points` on this renderer's printhead, cropped to its
    /// advance width and line height: how a string will look on the label, for previews.
    public func textBitmap(_ text: String, points: Double, bold: Bool = false) throws(LabelRenderError) -> LabelBitmap {
        let px = max(1, layout.resolution.dots(points: points))
        let strike = fonts.strike(bold: bold, px: px)
        let line = Self.normalize(text, keepNewlines: false)
        let ref = ElementReference(index: 0, name: "preview", type: "text")
        let width = try measure(line, strike: strike, ref: ref)
        let item = TextItem(element: ref, x: 0, y: 0, boxWidth: width, emDots: px, bold: bold, alignment: .left,
                            lines: [line], lineWidths: [width], ascender: strike.ascender, lineHeight: strike.lineHeight)
        var bitmap = LabelBitmap(width: max(1, width), height: max(1, strike.lineHeight))
        drawText(item, into: &bitmap)
        return bitmap
    }
}
