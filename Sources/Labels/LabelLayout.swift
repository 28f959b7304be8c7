import Barcodes
import Foundation

/// A template placed on one printhead's dot grid: every position, module size and symbol size
/// decided once, so printing a batch only fills in data.
///
/// Building a layout is where a template is checked against physics: elements must lie on the
/// label, and each barcode must fit its box with whole-dot modules of at least the minimum
/// size for the longest content the template declares. The rule for 2D symbols is
/// `module ≥ max(3 dots, min_module_mm)` with `min_module_mm` 0.33 mm by default — 3 dots at
/// 203 dpi (0.375 mm), 4 at 300 dpi, 8 at 600 dpi: the smallest module the station's scanners
/// and phone cameras read reliably off direct-thermal paper. GS1-128 defaults to the GS1
/// logistics minimum X of 0.495 mm (and at least 2 dots).
public struct LabelLayout: Sendable {
    /// The template this layout was compiled from.
    public let template: LabelTemplate
    /// The printhead it was compiled for.
    public let resolution: PrintResolution
    /// Label size in dots.
    public let widthDots: Int
    public let heightDots: Int
    /// The elements in template order, positioned.
    public let elements: [PlacedElement]

    /// The largest QR module ZPL `^BQ` can print (magnification 10); larger boxes centre the symbol.
    public static let maxQRModuleDots = 10

    /// Compiles `template` for `resolution` (its own `dpi` when nil).
    public init(_ template: LabelTemplate, resolution: PrintResolution? = nil) throws(LabelTemplateError) {
        let res = resolution ?? template.resolution
        self.template = template
        self.resolution = res
        self.widthDots = res.dots(template.widthMM)
        self.heightDots = res.dots(template.heightMM)
        guard !template.elements.isEmpty else {
            throw LabelTemplateError(file: template.source, problem: .noElements)
        }
        var placed: [PlacedElement] = []
        for element in template.elements {
            placed.append(PlacedElement(element: element,
                                        geometry: try LabelLayout.place(element, template: template, resolution: res)))
        }
        self.elements = placed
    }

    private static func place(_ element: LabelElement, template: LabelTemplate,
                              resolution res: PrintResolution) throws(LabelTemplateError) -> PlacedElement.Geometry {
        func fail(_ p: LabelTemplateError.Problem) -> LabelTemplateError {
            LabelTemplateError(file: template.source, element: element.reference, problem: p)
        }
        func inside(_ l: Double, _ t: Double, _ r: Double, _ b: Double) throws(LabelTemplateError) {
            let eps = 1e-6
            if l < -eps || t < -eps || r > template.widthMM + eps || b > template.heightMM + eps {
                throw fail(.outsideLabel(left: l, top: t, right: r, bottom: b,
                                         labelWidth: template.widthMM, labelHeight: template.heightMM))
            }
        }
        let dpiText = "\(res.rawValue) dpi"

        switch element.kind {
        case .qr(let spec):
            try inside(spec.xMM, spec.yMM, spec.xMM + spec.sizeMM, spec.yMM + spec.sizeMM)
            let level = spec.errorCorrection ?? template.qrErrorCorrection
            guard let version = QRCapacity.version(forBytes: spec.maxLength, level: level) else {
                throw fail(.contentTooLongForSymbology(symbol: "QR code at error correction \(level.rawValue)",
                                                       maxLength: spec.maxLength,
                                                       limit: QRCapacity.maxBytes(level)))
            }
            let modules = 17 + 4 * version
            let span = modules + 2 * spec.quietZoneModules
            let box = res.dots(spec.sizeMM)
            let minimum = max(3, res.dotsAtLeast(spec.minModuleMM))
            let module = min(maxQRModuleDots, box / span)
            guard module >= minimum else {
                let need = span * minimum
                throw fail(.symbolDoesNotFit(symbol: "QR code", detail:
                    "max_length \(spec.maxLength) bytes at error correction \(level.rawValue) needs version \(version) "
                    + "(\(modules)×\(modules) modules + \(spec.quietZoneModules)-module quiet zones), which at the minimum "
                    + "\(minimum) dots per module is \(need) dots (\(fmt(res.millimetres(need))) mm) at \(dpiText), "
                    + "but size_mm \(fmt(spec.sizeMM)) gives \(box) dots; enlarge size_mm, lower max_length or the error correction"))
            }
            let side = span * module
            let offset = (box - side) / 2
            let boxX = res.dots(spec.xMM)
            let x = alignedX(boxX + offset + spec.quietZoneModules * module, module: module,
                             lowest: boxX + spec.quietZoneModules * module,
                             highest: boxX + box - (modules + spec.quietZoneModules) * module)
            let origin = (x, res.dots(spec.yMM) + offset + spec.quietZoneModules * module)
            return .qr(QRGeometry(x: origin.0, y: origin.1, moduleDots: module, version: version, level: level,
                                  capacityBytes: QRCapacity.capacity(version: version, level: level, fitting: spec.maxLength),
                                  content: spec.content))

        case .dataMatrix(let spec):
            try inside(spec.xMM, spec.yMM, spec.xMM + spec.sizeMM, spec.yMM + spec.sizeMM)
            let worst = spec.maxLength + (spec.gs1 ? 1 : 0)
            guard let info = DataMatrixSymbol.smallestSize(forCodewords: worst) else {
                throw fail(.contentTooLongForSymbology(symbol: "Data Matrix", maxLength: spec.maxLength,
                                                       limit: DataMatrixSymbol.sizes.last!.dataCodewords - (spec.gs1 ? 1 : 0)))
            }
            let span = info.size + 2 * spec.quietZoneModules
            let box = res.dots(spec.sizeMM)
            let minimum = max(3, res.dotsAtLeast(spec.minModuleMM))
            let module = box / span
            guard module >= minimum else {
                let need = span * minimum
                throw fail(.symbolDoesNotFit(symbol: "Data Matrix", detail:
                    "max_length \(spec.maxLength) needs a \(info.size)×\(info.size) symbol "
                    + "(+ \(spec.quietZoneModules)-module quiet zones), which at the minimum \(minimum) dots per module is "
                    + "\(need) dots (\(fmt(res.millimetres(need))) mm) at \(dpiText), but size_mm \(fmt(spec.sizeMM)) "
                    + "gives \(box) dots; enlarge size_mm or lower max_length"))
            }
            let offset = (box - span * module) / 2
            let boxX = res.dots(spec.xMM)
            return .dataMatrix(DataMatrixGeometry(
                x: alignedX(boxX + offset + spec.quietZoneModules * module, module: module,
                            lowest: boxX + spec.quietZoneModules * module,
                            highest: boxX + box - (info.size + spec.quietZoneModules) * module),
                y: res.dots(spec.yMM) + offset + spec.quietZoneModules * module,
                moduleDots: module, symbolSize: info.size, capacityCodewords: info.dataCodewords,
                gs1: spec.gs1, content: spec.content))

        case .gs1_128(let spec):
            try inside(spec.xMM, spec.yMM, spec.xMM + spec.widthMM, spec.yMM + spec.heightMM)
            guard spec.maxLength <= 48 else {
                throw fail(.contentTooLongForSymbology(symbol: "GS1-128", maxLength: spec.maxLength, limit: 48))
            }
            let worst = Code128Symbol.worstCaseModules(length: spec.maxLength, charset: spec.charset)
            let span = worst + 2 * spec.quietZoneModules
            let box = res.dots(spec.widthMM)
            let minimum = max(2, res.dotsAtLeast(spec.minModuleMM))
            let module = box / span
            guard module >= minimum else {
                let need = span * minimum
                throw fail(.symbolDoesNotFit(symbol: "GS1-128", detail:
                    "max_length \(spec.maxLength) \(spec.charset.rawValue) characters need up to \(worst) modules "
                    + "+ 2×\(spec.quietZoneModules) quiet zone, which at the minimum \(minimum) dots per module is "
                    + "\(need) dots (\(fmt(res.millimetres(need))) mm) at \(dpiText), but width_mm \(fmt(spec.widthMM)) "
                    + "gives \(box) dots; widen the box, lower max_length, or declare charset = \"numeric\" if it is"))
            }
            return .gs1_128(GS1_128Geometry(
                boxX: res.dots(spec.xMM), y: res.dots(spec.yMM), boxWidth: box,
                height: res.dots(spec.heightMM), moduleDots: module,
                quietZoneModules: spec.quietZoneModules, content: spec.content))

        case .text(let spec):
            let maxWidthMM = spec.maxWidthMM ?? (template.widthMM - spec.xMM)
            let lines: Int
            switch spec.overflow {
            case .shrink: lines = 1
            case .wrap(let n, _): lines = n
            }
            let heightMM = Double(lines) * TextGeometry.nominalLineHeight * spec.sizePoints * 25.4 / 72
            try inside(spec.xMM, spec.yMM, spec.xMM + maxWidthMM, spec.yMM + heightMM)
            guard maxWidthMM > 0 else {
                throw fail(.outsideLabel(left: spec.xMM, top: spec.yMM, right: spec.xMM, bottom: spec.yMM + heightMM,
                                         labelWidth: template.widthMM, labelHeight: template.heightMM))
            }
            let minimumPoints: Double
            let maxLines: Int
            switch spec.overflow {
            case .shrink(let m): minimumPoints = m; maxLines = 1
            case .wrap(let n, let m): minimumPoints = m; maxLines = n
            }
            return .text(TextGeometry(
                x: res.dots(spec.xMM), y: res.dots(spec.yMM), maxWidth: res.dots(maxWidthMM),
                emDots: max(1, res.dots(points: spec.sizePoints)), minimumEmDots: max(1, res.dots(points: minimumPoints)),
                minimumPoints: minimumPoints, maxLines: maxLines,
                wraps: { if case .wrap = spec.overflow { return true } else { return false } }(),
                bold: spec.bold, alignment: spec.alignment, content: spec.content))

        case .line(let spec):
            let t = spec.thicknessMM
            let horizontal = spec.y1MM == spec.y2MM, vertical = spec.x1MM == spec.x2MM
            guard horizontal != vertical else { throw fail(.lineNotAxisAligned) }
            let l = min(spec.x1MM, spec.x2MM), top = min(spec.y1MM, spec.y2MM)
            let r = horizontal ? max(spec.x1MM, spec.x2MM) : l + t
            let b = horizontal ? top + t : max(spec.y1MM, spec.y2MM)
            try inside(l, top, r, b)
            let x = res.dots(l), y = res.dots(top)
            let thickness = max(1, res.dots(t))
            return .line(DotRect(x: x, y: y,
                                 width: horizontal ? max(1, res.dots(r) - x) : thickness,
                                 height: horizontal ? thickness : max(1, res.dots(b) - y)))

        case .box(let spec):
            try inside(spec.xMM, spec.yMM, spec.xMM + spec.widthMM, spec.yMM + spec.heightMM)
            let x = res.dots(spec.xMM), y = res.dots(spec.yMM)
            return .box(DotRect(x: x, y: y, width: max(1, res.dots(spec.xMM + spec.widthMM) - x),
                                height: max(1, res.dots(spec.yMM + spec.heightMM) - y)),
                        thickness: max(1, res.dots(spec.thicknessMM)))
        }
    }

    /// Moves a symbol's left edge onto a byte (or nibble) boundary when its box leaves room and
    /// its modules are a whole number of nibbles: each module row then becomes runs of `0`/`F`
    /// digits that ZPL ASCII compression shortens, and no symbol edge straddles a byte.
    static func alignedX(_ x: Int, module: Int, lowest: Int, highest: Int) -> Int {
        guard module % 4 == 0 else { return x }
        for step in [8, 4] {
            let down = x - x % step, up = down + step
            let best = x - down <= up - x ? [down, up] : [up, down]
            if let fit = best.first(where: { $0 >= lowest && $0 <= highest }) { return fit }
        }
        return x
    }

    private static func fmt(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}

/// An element with its positions in dots.
public struct PlacedElement: Sendable {
    /// The template element.
    public let element: LabelElement
    /// Where and how big it is, in dots.
    public let geometry: Geometry

    /// Element geometry by kind.
    public enum Geometry: Sendable {
        case qr(QRGeometry)
        case dataMatrix(DataMatrixGeometry)
        case gs1_128(GS1_128Geometry)
        case text(TextGeometry)
        case line(DotRect)
        case box(DotRect, thickness: Int)
    }
}

/// A rectangle in dots.
public struct DotRect: Sendable, Equatable {
    /// Top-left corner and size in dots.
    public var x: Int, y: Int, width: Int, height: Int
    /// A rectangle from its top-left corner and size.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
}

/// Where a QR symbol goes: its top-left module (quiet zone outside), module size and version.
public struct QRGeometry: Sendable {
    /// Top-left module in dots.
    public let x: Int, y: Int
    /// Dots per module side.
    public let moduleDots: Int
    /// Fixed QR version (1…40) chosen from `max_length`.
    public let version: Int
    /// Error-correction level.
    public let level: QRErrorCorrection
    /// Bytes the version holds in byte mode: the content limit.
    public let capacityBytes: Int
    /// What the symbol carries.
    public let content: FieldTemplate
    /// Modules per side.
    public var modules: Int { 17 + 4 * version }
}

/// Where a Data Matrix goes and its fixed size.
public struct DataMatrixGeometry: Sendable {
    /// Top-left module in dots.
    public let x: Int, y: Int
    /// Dots per module side.
    public let moduleDots: Int
    /// Modules per side, fixed for every label of the layout.
    public let symbolSize: Int
    /// Data codewords the size holds: the content limit.
    public let capacityCodewords: Int
    /// GS1 DataMatrix (leading FNC1).
    public let gs1: Bool
    /// What the symbol carries.
    public let content: FieldTemplate
}

/// The box a GS1-128 is centred in, its bar height and module width.
public struct GS1_128Geometry: Sendable {
    /// The box (dots) the symbol and its quiet zones are centred in, and the bar height.
    public let boxX: Int, y: Int, boxWidth: Int, height: Int
    /// Narrowest bar width in dots (X).
    public let moduleDots: Int
    /// Quiet zone on each side, in modules.
    public let quietZoneModules: Int
    /// What the symbol carries.
    public let content: FieldTemplate
}

/// A text box in dots.
public struct TextGeometry: Sendable {
    /// Line pitch assumed when checking that text stays on the label, in ems.
    public static let nominalLineHeight = 1.2
    /// Top-left corner and width of the text box in dots.
    public let x: Int, y: Int, maxWidth: Int
    /// Font em size in dots at the template's size, and the smallest it may shrink to.
    public let emDots: Int, minimumEmDots: Int
    /// The smallest size in points, for error messages.
    public let minimumPoints: Double
    /// Lines allowed (1 unless the element wraps).
    public let maxLines: Int
    /// Whether the text breaks into lines before shrinking.
    public let wraps: Bool
    public let bold: Bool
    public let alignment: TextAlignment
    /// What the text says.
    public let content: FieldTemplate
}

/// QR byte-mode capacities, computed with libqrencode itself so layout and encoder agree.
enum QRCapacity {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [Int: Int] = [:]

    /// Bytes (8-bit mode) that `version` holds at `level` (ISO/IEC 18004 Table 7); `fitting`
    /// is a length already known to fit, where the search starts.
    static func capacity(version: Int, level: QRErrorCorrection, fitting: Int = 0) -> Int {
        let key = version * 4 + QRErrorCorrection.allCases.firstIndex(of: level)!
        lock.lock()
        if let c = cache[key] { lock.unlock(); return c }
        lock.unlock()
        // Gallop up from a length that fits, then bisect: a handful of small encodes.
        var lo = fitting, step = 1
        while lo + step <= maxBytes(level), fits(lo + step, version: version, level: level) { lo += step; step *= 2 }
        var hi = min(lo + step, maxBytes(level) + 1) - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if fits(mid, version: version, level: level) { lo = mid } else { hi = mid - 1 }
        }
        lock.lock()
        cache[key] = lo
        lock.unlock()
        return lo
    }

    /// Version 40's byte-mode capacity at `level` (ISO/IEC 18004 Table 7).
    static func maxBytes(_ level: QRErrorCorrection) -> Int {
        switch level {
        case .low: return 2953
        case .medium: return 2331
        case .quartile: return 1663
        case .high: return 1273
        }
    }

    /// The smallest version whose byte-mode capacity is at least `bytes`, or nil beyond version 40.
    static func version(forBytes bytes: Int, level: QRErrorCorrection) -> Int? {
        guard bytes > 0 else { return 1 }
        guard bytes <= maxBytes(level), let code = try? QREncoder.encode(String(repeating: "a", count: bytes), errorCorrection: level) else {
            return nil
        }
        return code.version
    }

    private static func fits(_ n: Int, version: Int, level: QRErrorCorrection) -> Bool {
        if n == 0 { return true }
        guard let code = try? QREncoder.encode(String(repeating: "a", count: n), errorCorrection: level,
                                               minimumVersion: version) else { return false }
        return code.version == version
    }
}
