/// Where stamps of one size go on print-shop pages, in millimetres from a page's top-left corner.
///
/// Two forms: N-up on a sheet (A4 by default) with gutters between stamps and crop marks in the
/// margin at every cut line; or a roll, one stamp per page of the stamp size plus a gap on every
/// side, with corner crop marks in the gap.
public struct SheetLayout: Sendable, Equatable {
    public enum Form: Sendable, Equatable {
        /// Sheets of `widthMM` × `heightMM` (A4 = 210 × 297).
        case sheet(widthMM: Double, heightMM: Double)
        /// One stamp per page.
        case roll

        public static let a4 = Form.sheet(widthMM: 210, heightMM: 297)
    }

    public let form: Form
    public let stampWidthMM: Double
    public let stampHeightMM: Double
    /// Space between two stamps (sheet), or around the stamp (roll).
    public let gapMM: Double
    /// Sheet margin kept free of stamps (crop marks and the page caption go there).
    public let marginMM: Double
    /// Length of a crop mark, and its distance from the cut it marks.
    public let cropMarkMM: Double, cropOffsetMM: Double

    public let columns: Int
    public let rows: Int
    public let pageWidthMM: Double
    public let pageHeightMM: Double
    /// Top-left of the first stamp.
    public let originXMM: Double, originYMM: Double

    public var perPage: Int { columns * rows }

    public init(form: Form, stampWidthMM: Double, stampHeightMM: Double, gapMM: Double = 3, marginMM: Double = 12) throws(PrintShopError) {
        guard stampWidthMM > 0, stampHeightMM > 0, stampWidthMM.isFinite, stampHeightMM.isFinite else {
            throw .badLayout("stamp size \(stampWidthMM) × \(stampHeightMM) mm")
        }
        guard gapMM >= 0, gapMM <= 50, marginMM >= 0, marginMM <= 50 else {
            throw .badLayout("gap \(gapMM) mm and margin \(marginMM) mm must be 0–50 mm")
        }
        self.form = form
        self.stampWidthMM = stampWidthMM
        self.stampHeightMM = stampHeightMM
        self.gapMM = gapMM
        self.marginMM = marginMM
        switch form {
        case .sheet(let w, let h):
            // Crop marks sit in the margin: they need room outside the grid.
            guard marginMM >= 4 else { throw .badLayout("a sheet margin of \(marginMM) mm leaves no room for crop marks (4 mm or more)") }
            cropOffsetMM = 1
            cropMarkMM = min(5, marginMM - 2)
            let cols = Int(((w - 2 * marginMM + gapMM) / (stampWidthMM + gapMM)).rounded(.down))
            let rws = Int(((h - 2 * marginMM + gapMM) / (stampHeightMM + gapMM)).rounded(.down))
            guard cols >= 1, rws >= 1 else {
                throw .badLayout("a \(stampWidthMM) × \(stampHeightMM) mm stamp does not fit a \(w) × \(h) mm sheet with \(marginMM) mm margins")
            }
            columns = cols; rows = rws
            pageWidthMM = w; pageHeightMM = h
            let gridW = Double(cols) * stampWidthMM + Double(cols - 1) * gapMM
            let gridH = Double(rws) * stampHeightMM + Double(rws - 1) * gapMM
            originXMM = (w - gridW) / 2
            originYMM = (h - gridH) / 2
        case .roll:
            guard gapMM >= 1.5 else { throw .badLayout("a roll needs a gap of at least 1.5 mm around each stamp for its crop marks") }
            columns = 1; rows = 1
            pageWidthMM = stampWidthMM + 2 * gapMM
            pageHeightMM = stampHeightMM + 2 * gapMM
            originXMM = gapMM; originYMM = gapMM
            cropOffsetMM = min(0.5, gapMM / 4)
            cropMarkMM = gapMM - cropOffsetMM
        }
    }

    /// Pages needed for `count` stamps.
    public func pages(for count: Int) -> Int { (count + perPage - 1) / perPage }

    /// Top-left corner of the `index`-th stamp of a page (row by row).
    public func stampOrigin(_ index: Int) -> (x: Double, y: Double) {
        precondition(index >= 0 && index < perPage, "stamp index beyond the page")
        let c = index % columns, r = index / columns
        return (originXMM + Double(c) * (stampWidthMM + gapMM), originYMM + Double(r) * (stampHeightMM + gapMM))
    }

    /// A crop mark: a line from (x1, y1) to (x2, y2) in millimetres.
    public struct Mark: Sendable, Equatable { public let x1, y1, x2, y2: Double }

    /// Crop marks of a page with `used` stamps: on a sheet, at every cut line of the used columns and
    /// rows, outside the grid; on a roll, at the stamp's four corners, in the gap.
    public func cropMarks(used: Int) -> [Mark] {
        guard used > 0 else { return [] }
        let usedRows = (min(used, perPage) + columns - 1) / columns
        let usedCols = min(used, columns)
        var xs: [Double] = [], ys: [Double] = []
        for c in 0..<usedCols {
            let x = originXMM + Double(c) * (stampWidthMM + gapMM)
            xs += [x, x + stampWidthMM]
        }
        for r in 0..<usedRows {
            let y = originYMM + Double(r) * (stampHeightMM + gapMM)
            ys += [y, y + stampHeightMM]
        }
        let left = originXMM, top = originYMM
        let right = xs.max()!, bottom = ys.max()!
        let o = cropOffsetMM, l = cropMarkMM
        var marks: [Mark] = []
        for x in xs {
            marks.append(Mark(x1: x, y1: top - o - l, x2: x, y2: top - o))
            marks.append(Mark(x1: x, y1: bottom + o, x2: x, y2: bottom + o + l))
        }
        for y in ys {
            marks.append(Mark(x1: left - o - l, y1: y, x2: left - o, y2: y))
            marks.append(Mark(x1: right + o, y1: y, x2: right + o + l, y2: y))
        }
        return marks
    }

    /// Points (1/72 inch) for millimetres: the PDF's unit.
    public static func points(_ mm: Double) -> Double { mm * 72 / 25.4 }
}

/// Why a print-shop file could not be made.
public enum PrintShopError: Error, Equatable, CustomStringConvertible {
    case badLayout(String)
    case cairo(String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .badLayout(let m): return "cannot lay out the stamps: \(m)"
        case .cairo(let m): return "cannot draw the PDF: \(m)"
        case .cannotWrite(let p, let r): return "cannot write \(p): \(r)"
        }
    }
}
