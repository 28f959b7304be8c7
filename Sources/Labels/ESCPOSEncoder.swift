import Barcodes

/// Options for ESC/POS jobs.
public struct ESCPOSOptions: Sendable, Equatable {
    /// What happens after the label.
    public enum Cut: Sendable, Equatable {
        /// `GS V 65 0`: feed to the cutter and cut through.
        case full
        /// `GS V 66 0`: feed to the cutter and leave a tab (stamps stay on the roll end).
        case partial
        /// Feed `lines` lines and do not cut (printers without a cutter).
        case none(feedLines: Int)
    }

    /// What to do after the label.
    public var cut: Cut
    /// Printable width of the printer in dots (576 for 80 mm paper, 384 for 58 mm at 203 dpi).
    public var printerWidthDots: Int
    /// Rows per `GS v 0` command; cheap printers have small receive buffers.
    public var bandHeight: Int

    /// Options for an 80 mm printer with a cutter by default.
    public init(cut: Cut = .full, printerWidthDots: Int = 576, bandHeight: Int = 128) {
        precondition(printerWidthDots > 0 && bandHeight > 0 && bandHeight <= 2047, "positive widths and bands")
        self.cut = cut
        self.printerWidthDots = printerWidthDots
        self.bandHeight = bandHeight
    }
}

/// Why a label cannot be written as ESC/POS.
public enum ESCPOSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The label is wider than the printer's printable width.
    case labelTooWide(template: String, widthDots: Int, printerWidthDots: Int)
    /// ESC/POS standard mode prints in lines and cannot draw this element natively.
    case notExpressibleNatively(template: String, element: ElementReference, reason: String)

    /// What went wrong and what to change.
    public var description: String {
        switch self {
        case .labelTooWide(let t, let w, let p):
            return "\(t): the label is \(w) dots wide but the printer prints \(p); use a narrower template "
                + "or set ESCPOSOptions.printerWidthDots to the printer's real width"
        case .notExpressibleNatively(let t, let e, let reason):
            return "\(t): \(e): \(reason); print this template in raster mode"
        }
    }
}

/// Writes labels as ESC/POS for receipt-style thermal printers. Pure functions.
///
/// *Raster* jobs send the exact label bitmap with `GS v 0` in bands — the reliable way to print
/// Vietnamese on these printers. *Native* jobs are for printers where raster is too slow: ESC/POS
/// standard mode prints line by line, so elements are printed top to bottom in the order of their
/// top edge, each aligned left, centre or right (`ESC a`) like its position on the label; QR
/// codes use `GS ( k` (model 2, module size, error correction, store, print), GS1-128 uses
/// `GS k` with FNC1, text is transliterated to ASCII (see ``VietnameseTransliteration``), and
/// Data Matrix symbols and horizontal rules are sent as small raster bands. Boxes and vertical
/// rules cannot be drawn line by line and are refused.
public enum ESCPOSEncoder {
    /// The label as raster bands, then the cut.
    public static func raster(_ bitmap: LabelBitmap, options: ESCPOSOptions = .init(),
                              template: String = "label") throws(ESCPOSError) -> [UInt8] {
        guard bitmap.width <= options.printerWidthDots else {
            throw .labelTooWide(template: template, widthDots: bitmap.width, printerWidthDots: options.printerWidthDots)
        }
        var out: [UInt8] = [0x1B, 0x40, 0x1B, 0x61, 0x00]   // ESC @ (initialise), ESC a 0 (left)
        out.reserveCapacity(bitmap.bits.count + 64)
        appendRaster(bitmap, rows: 0..<bitmap.height, bandHeight: options.bandHeight, into: &out)
        appendCut(options.cut, into: &out)
        return out
    }

    /// The label in ESC/POS native commands, elements in reading order.
    public static func native(_ label: ComposedLabel, options: ESCPOSOptions = .init()) throws(ESCPOSError) -> [UInt8] {
        guard label.widthDots <= options.printerWidthDots else {
            throw .labelTooWide(template: label.templateName, widthDots: label.widthDots,
                                printerWidthDots: options.printerWidthDots)
        }
        var out: [UInt8] = [0x1B, 0x40]                     // ESC @
        let ordered = label.items.enumerated().sorted { a, b in
            a.element.top != b.element.top ? a.element.top < b.element.top : a.offset < b.offset
        }.map(\.element)
        for item in ordered {
            switch item {
            case .qr(let q):
                let side = (17 + 4 * q.version) * q.moduleDots
                out += [0x1B, 0x61, justification(left: q.x, width: side, labelWidth: label.widthDots)]
                let content = Array(q.content.utf8)
                // GS ( k, cn 49 (QR): fn 65 model 2, fn 67 module size, fn 69 error correction.
                out += [0x1D, 0x28, 0x6B, 4, 0, 49, 65, 50, 0]
                out += [0x1D, 0x28, 0x6B, 3, 0, 49, 67, UInt8(min(16, max(1, q.moduleDots)))]
                out += [0x1D, 0x28, 0x6B, 3, 0, 49, 69, qrLevelByte(q.level)]
                // fn 80: store the data (pL pH count the 3 bytes cn fn m as well).
                let n = content.count + 3
                out += [0x1D, 0x28, 0x6B, UInt8(n & 0xFF), UInt8(n >> 8), 49, 80, 48]
                out += content
                out += [0x1D, 0x28, 0x6B, 3, 0, 49, 81, 48]    // fn 81: print the stored symbol
                out.append(0x0A)
            case .text(let t):
                guard !t.lines.isEmpty else { continue }
                let small = t.emDots <= 18
                let scale = small ? 1 : min(8, max(1, Int((Double(t.emDots) / 24).rounded())))
                out += [0x1B, 0x61, t.alignment == .left ? 0 : t.alignment == .center ? 1 : 2]
                out += [0x1B, 0x4D, small ? 1 : 0]                             // ESC M: font B (9×17) or A (12×24)
                out += [0x1B, 0x45, t.bold ? 1 : 0]                            // ESC E: emphasis
                out += [0x1D, 0x21, UInt8((scale - 1) << 4 | (scale - 1))]    // GS !: width and height ×scale
                for line in t.lines {
                    out += Array(VietnameseTransliteration.ascii(line).utf8)
                    out.append(0x0A)
                }
                out += [0x1D, 0x21, 0x00, 0x1B, 0x45, 0x00, 0x1B, 0x4D, 0x00]
            case .gs1_128(let g):
                let width = (g.symbol.moduleCount) * g.moduleDots
                out += [0x1B, 0x61, justification(left: g.x, width: width, labelWidth: label.widthDots)]
                out += [0x1D, 0x68, UInt8(min(255, max(1, g.height)))]       // GS h: bar height
                out += [0x1D, 0x77, UInt8(min(6, max(2, g.moduleDots)))]     // GS w: module width 2–6
                out += [0x1D, 0x48, 0x00]                                    // GS H: no HRI (the template prints it)
                let data = code128Data(g.symbol)
                out += [0x1D, 0x6B, 73, UInt8(data.count)]                   // GS k m=73 (CODE128) n d…
                out += data
                out.append(0x0A)
            case .dataMatrix(let d):
                let symbol: DataMatrixSymbol
                do {
                    symbol = try DataMatrixSymbol(bytes: Array(d.content.utf8), gs1: d.gs1, size: d.symbolSize)
                } catch {
                    throw .notExpressibleNatively(template: label.templateName, element: d.element,
                                                  reason: "the Data Matrix content cannot be encoded (\(error))")
                }
                let side = d.symbolSize * d.moduleDots
                var band = LabelBitmap(width: label.widthDots, height: side)
                LabelRenderer.drawModules(into: &band, x: d.x, y: 0, size: symbol.size, module: d.moduleDots) {
                    symbol.isDark(x: $0, y: $1)
                }
                out += [0x1B, 0x61, 0x00]
                appendRaster(band, rows: 0..<band.height, bandHeight: options.bandHeight, into: &out)
            case .line(let r, let element):
                guard r.width >= r.height else {
                    throw .notExpressibleNatively(template: label.templateName, element: element,
                                                  reason: "a vertical rule cannot be printed line by line")
                }
                var band = LabelBitmap(width: label.widthDots, height: r.height)
                band.fill(x: r.x, y: 0, width: r.width, height: r.height)
                out += [0x1B, 0x61, 0x00]
                appendRaster(band, rows: 0..<band.height, bandHeight: options.bandHeight, into: &out)
            case .box(_, _, let element):
                throw .notExpressibleNatively(template: label.templateName, element: element,
                                              reason: "a box cannot be printed line by line")
            }
        }
        out += [0x1B, 0x61, 0x00]
        appendCut(options.cut, into: &out)
        return out
    }

    /// `GS k` CODE128 data: `{C`/`{B` code set selection, `{1` FNC1, digit pairs in set C as
    /// single bytes 0–99, `{{` for a literal `{` (ESC/POS Application Programming Guide, GS k).
    public static func code128Data(_ symbol: Code128Symbol) -> [UInt8] {
        var out: [UInt8] = [0x7B, symbol.startsInC ? 0x43 : 0x42]
        for e in symbol.elements {
            switch e {
            case .fnc1: out += [0x7B, 0x31]
            case .codeC: out += [0x7B, 0x43]
            case .codeB: out += [0x7B, 0x42]
            case .c(let pair): out.append(pair)
            case .b(let ascii): if ascii == 0x7B { out += [0x7B, 0x7B] } else { out.append(ascii) }
            }
        }
        return out
    }

    static func appendRaster(_ bitmap: LabelBitmap, rows: Range<Int>, bandHeight: Int, into out: inout [UInt8]) {
        let bpr = bitmap.bytesPerRow
        var y = rows.lowerBound
        while y < rows.upperBound {
            let h = min(bandHeight, rows.upperBound - y)
            // GS v 0 m xL xH yL yH: m 0 = normal density; x in bytes, y in dots.
            out += [0x1D, 0x76, 0x30, 0x00, UInt8(bpr & 0xFF), UInt8(bpr >> 8), UInt8(h & 0xFF), UInt8(h >> 8)]
            out += bitmap.bits[(y * bpr)..<((y + h) * bpr)]
            y += h
        }
    }

    static func appendCut(_ cut: ESCPOSOptions.Cut, into out: inout [UInt8]) {
        switch cut {
        case .full: out += [0x1D, 0x56, 65, 0]
        case .partial: out += [0x1D, 0x56, 66, 0]
        case .none(let lines): out += [0x1B, 0x64, UInt8(min(255, max(0, lines)))]
        }
    }

    private static func qrLevelByte(_ level: QRErrorCorrection) -> UInt8 {
        switch level {
        case .low: return 48
        case .medium: return 49
        case .quartile: return 50
        case .high: return 51
        }
    }

    /// Left, centre or right, whichever third of the label the element's centre lies in.
    private static func justification(left: Int, width: Int, labelWidth: Int) -> UInt8 {
        let centre = left + width / 2
        if centre < labelWidth / 3 { return 0 }
        if centre > 2 * labelWidth / 3 { return 2 }
        return 1
    }
}
