import Barcodes
import CCairo
import Labels

/// A print-shop PDF of stamps, drawn with cairo as vectors: symbols as filled module rectangles
/// (exact at any printing resolution), text as DejaVu Sans through cairo's FreeType/fontconfig
/// path, crop marks as hairlines. Stamps are placed by a ``SheetLayout`` at their exact size in mm.
///
/// Owns its cairo surface and context (freed in `deinit`); stamps are added in print order and
/// pages are written as they fill, so a long roll never sits in memory.
public final class StampSheetPDF {
    public let layout: SheetLayout
    public let path: String
    private let surface: OpaquePointer
    private let cr: OpaquePointer
    private let fontFamily: String
    private var onPage = 0
    public private(set) var pageCount = 0
    private var finished = false

    /// Creates the file at `path` (replacing it). `title` goes into the PDF's metadata.
    public init(path: String, layout: SheetLayout, title: String, fontFamily: String = "DejaVu Sans") throws(PrintShopError) {
        self.layout = layout
        self.path = path
        self.fontFamily = fontFamily
        let s = cairo_pdf_surface_create(path, SheetLayout.points(layout.pageWidthMM), SheetLayout.points(layout.pageHeightMM))!
        if let problem = Self.problem(cairo_surface_status(s)) {
            cairo_surface_destroy(s)
            throw .cannotWrite(path: path, reason: problem)
        }
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title)
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "station")
        let c = cairo_create(s)!
        if let problem = Self.problem(cairo_status(c)) {
            cairo_destroy(c)
            cairo_surface_destroy(s)
            throw .cairo(problem)
        }
        surface = s
        cr = c
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    /// Places the next stamp. `caption` is printed in the bottom margin of a sheet when this stamp
    /// starts a new page (ignored on rolls: the page is the stamp).
    public func add(_ label: ComposedLabel, caption: String? = nil) throws(PrintShopError) {
        precondition(!finished, "stamp added after finish()")
        let dpi = Double(label.resolution.rawValue)
        let wMM = Double(label.widthDots) / dpi * 25.4, hMM = Double(label.heightDots) / dpi * 25.4
        guard abs(wMM - layout.stampWidthMM) < 0.5, abs(hMM - layout.stampHeightMM) < 0.5 else {
            throw .badLayout("label \"\(label.templateName)\" is \(wMM) × \(hMM) mm, the layout expects \(layout.stampWidthMM) × \(layout.stampHeightMM) mm")
        }
        if onPage == layout.perPage { try endPage() }
        if onPage == 0 {
            pageCount += 1
            if case .sheet = layout.form, let caption { drawCaption(caption) }
        }
        let (x, y) = layout.stampOrigin(onPage)
        cairo_save(cr)
        cairo_translate(cr, SheetLayout.points(x), SheetLayout.points(y))
        let scale = 72 / dpi
        cairo_scale(cr, scale, scale)
        try draw(label)
        cairo_restore(cr)
        onPage += 1
    }

    /// Writes the last page and closes the file; returns the number of pages.
    @discardableResult
    public func finish() throws(PrintShopError) -> Int {
        precondition(!finished, "finish() called twice")
        if onPage > 0 { try endPage() }
        finished = true
        cairo_surface_finish(surface)
        if let problem = Self.problem(cairo_surface_status(surface)) { throw .cannotWrite(path: path, reason: problem) }
        return pageCount
    }

    private func endPage() throws(PrintShopError) {
        drawCropMarks(layout.cropMarks(used: onPage))
        cairo_show_page(cr)
        if let problem = Self.problem(cairo_status(cr)) { throw .cairo(problem) }
        onPage = 0
    }

    private func drawCropMarks(_ marks: [SheetLayout.Mark]) {
        cairo_save(cr)
        cairo_set_source_rgb(cr, 0, 0, 0)
        cairo_set_line_width(cr, 0.3)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
        for m in marks {
            cairo_move_to(cr, SheetLayout.points(m.x1), SheetLayout.points(m.y1))
            cairo_line_to(cr, SheetLayout.points(m.x2), SheetLayout.points(m.y2))
        }
        cairo_stroke(cr)
        cairo_restore(cr)
    }

    private func drawCaption(_ text: String) {
        cairo_save(cr)
        cairo_set_source_rgb(cr, 0, 0, 0)
        cairo_select_font_face(cr, fontFamily, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, 7)
        cairo_move_to(cr, SheetLayout.points(layout.originXMM), SheetLayout.points(layout.pageHeightMM - layout.marginMM / 3))
        cairo_show_text(cr, text)
        cairo_restore(cr)
    }

    /// Draws a composed label in its own dots (the context is scaled to dots).
    private func draw(_ label: ComposedLabel) throws(PrintShopError) {
        cairo_set_source_rgb(cr, 0, 0, 0)
        for item in label.items {
            switch item {
            case .qr(let q):
                let code: QRCode
                do { code = try QREncoder.encode(q.content, errorCorrection: q.level, minimumVersion: q.version) } catch {
                    throw .cairo("QR of \(q.element): \(error)")
                }
                guard code.version == q.version else { throw .cairo("QR of \(q.element) needs version \(code.version), the layout has \(q.version)") }
                fillModules(x: q.x, y: q.y, size: code.size, module: q.moduleDots) { code.isDark(x: $0, y: $1) }
            case .dataMatrix(let d):
                let symbol: DataMatrixSymbol
                do { symbol = try DataMatrixSymbol(bytes: Array(d.content.utf8), gs1: d.gs1, size: d.symbolSize) } catch {
                    throw .cairo("Data Matrix of \(d.element): \(error)")
                }
                fillModules(x: d.x, y: d.y, size: symbol.size, module: d.moduleDots) { symbol.isDark(x: $0, y: $1) }
            case .gs1_128(let g):
                cairo_new_path(cr)
                var x = g.x, bar = true
                for w in g.symbol.widths {
                    if bar { cairo_rectangle(cr, Double(x), Double(g.y), Double(w * g.moduleDots), Double(g.height)) }
                    x += w * g.moduleDots
                    bar.toggle()
                }
                cairo_fill(cr)
            case .text(let t):
                cairo_select_font_face(cr, fontFamily, CAIRO_FONT_SLANT_NORMAL, t.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
                cairo_set_font_size(cr, Double(t.emDots))
                for (i, line) in t.lines.enumerated() {
                    cairo_move_to(cr, Double(t.lineX(i)), Double(t.y + t.ascender + i * t.lineHeight))
                    cairo_show_text(cr, line)
                }
            case .line(let r, _):
                cairo_rectangle(cr, Double(r.x), Double(r.y), Double(r.width), Double(r.height))
                cairo_fill(cr)
            case .box(let r, let thickness, _):
                // Drawn inside the outer edge, like the raster: outer minus inner rectangle.
                cairo_save(cr)
                cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD)
                cairo_rectangle(cr, Double(r.x), Double(r.y), Double(r.width), Double(r.height))
                if 2 * thickness < min(r.width, r.height) {
                    cairo_rectangle(cr, Double(r.x + thickness), Double(r.y + thickness),
                                    Double(r.width - 2 * thickness), Double(r.height - 2 * thickness))
                }
                cairo_fill(cr)
                cairo_restore(cr)
            }
        }
    }

    /// One path of all dark modules (runs merged per row) filled at once, so viewers and RIPs
    /// show no seams between neighbouring modules.
    private func fillModules(x: Int, y: Int, size: Int, module: Int, isDark: (Int, Int) -> Bool) {
        cairo_new_path(cr)
        for row in 0..<size {
            var col = 0
            while col < size {
                guard isDark(col, row) else { col += 1; continue }
                let start = col
                while col < size && isDark(col, row) { col += 1 }
                cairo_rectangle(cr, Double(x + start * module), Double(y + row * module), Double((col - start) * module), Double(module))
            }
        }
        cairo_fill(cr)
    }

    private static func problem(_ status: cairo_status_t) -> String? {
        status == CAIRO_STATUS_SUCCESS ? nil : String(cString: cairo_status_to_string(status))
    }
}
