import Barcodes

/// One label with its data filled in and its text fitted: everything an encoder needs, in dots.
///
/// Composition is the only step that reads fonts (to measure text); the ZPL and ESC/POS
/// encoders are pure functions of a composed label, and the rasteriser draws it.
public struct ComposedLabel: Sendable {
    /// The template's name, for error messages.
    public let templateName: String
    /// The printhead the dots are for.
    public let resolution: PrintResolution
    /// Label width in dots (`^PW`).
    public let widthDots: Int
    /// Label length in dots (`^LL`).
    public let heightDots: Int
    /// The elements in template order (later ones draw over earlier ones).
    public var items: [Item]

    /// A composed label; normally made by ``LabelRenderer/compose(_:)``.
    public init(templateName: String, resolution: PrintResolution, widthDots: Int, heightDots: Int, items: [Item]) {
        self.templateName = templateName
        self.resolution = resolution
        self.widthDots = widthDots
        self.heightDots = heightDots
        self.items = items
    }

    /// One element ready to draw.
    public enum Item: Sendable, Equatable {
        case qr(QRItem)
        case dataMatrix(DataMatrixItem)
        case gs1_128(GS1_128Item)
        case text(TextItem)
        /// A horizontal or vertical rule, as a filled rectangle.
        case line(DotRect, element: ElementReference)
        case box(DotRect, thickness: Int, element: ElementReference)

        /// The top edge, for printers that print elements in reading order.
        public var top: Int {
            switch self {
            case .qr(let q): return q.y
            case .dataMatrix(let d): return d.y
            case .gs1_128(let g): return g.y
            case .text(let t): return t.y
            case .line(let r, _): return r.y
            case .box(let r, _, _): return r.y
            }
        }
    }
}

/// A QR symbol: top-left module at (`x`, `y`), the quiet zone lies outside.
public struct QRItem: Sendable, Equatable {
    /// The template element it comes from.
    public let element: ElementReference
    /// Top-left module in dots.
    public let x: Int, y: Int
    /// Dots per module side.
    public let moduleDots: Int
    /// The fixed QR version the layout sized.
    public let version: Int
    public let level: QRErrorCorrection
    /// The text the symbol carries.
    public let content: String
}

/// A Data Matrix symbol of a fixed size, top-left module at (`x`, `y`).
public struct DataMatrixItem: Sendable, Equatable {
    /// The template element it comes from.
    public let element: ElementReference
    /// Top-left module in dots.
    public let x: Int, y: Int
    /// Dots per module side.
    public let moduleDots: Int
    /// Modules per side.
    public let symbolSize: Int
    /// Leading FNC1 and GS → FNC1.
    public let gs1: Bool
    /// The text the symbol carries.
    public let content: String
}

/// A GS1-128: first bar at (`x`, `y`).
public struct GS1_128Item: Sendable, Equatable {
    /// The template element it comes from.
    public let element: ElementReference
    /// The first bar, in dots (quiet zones lie outside).
    public let x: Int, y: Int
    /// Narrowest bar width in dots (X).
    public let moduleDots: Int
    /// Bar height in dots.
    public let height: Int
    /// The planned symbol characters.
    public let symbol: Code128Symbol
    /// The element string it carries.
    public let content: String
}

/// Fitted text: NFC-normalised lines at one em size, aligned in a box `boxWidth` wide.
public struct TextItem: Sendable, Equatable {
    /// The template element it comes from.
    public let element: ElementReference
    /// Top-left corner of the text box in dots.
    public let x: Int, y: Int
    /// Width of the box lines are aligned in.
    public let boxWidth: Int
    /// The em size in dots after any shrinking.
    public let emDots: Int
    public let bold: Bool
    public let alignment: TextAlignment
    /// The lines as printed (NFC).
    public let lines: [String]
    /// Each line's measured width in dots (font advances).
    public let lineWidths: [Int]
    /// Dots from the top of a line to its baseline.
    public let ascender: Int
    /// Line pitch in dots.
    public let lineHeight: Int

    /// The left edge of line `i` after alignment.
    public func lineX(_ i: Int) -> Int {
        switch alignment {
        case .left: return x
        case .center: return x + (boxWidth - lineWidths[i]) / 2
        case .right: return x + boxWidth - lineWidths[i]
        }
    }
}
