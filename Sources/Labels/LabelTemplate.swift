import Barcodes

/// Text with `{field}` placeholders, as written in a template (`"Lô {lot} · HSD {expiry_date}"`).
///
/// Parsed once when the template loads, so a misspelt field is reported then, with the element
/// that uses it, instead of printing a literal `{lto}` on a thousand stamps.
public struct FieldTemplate: Sendable, Equatable, CustomStringConvertible {
    /// Literal text or a field reference.
    public enum Part: Sendable, Equatable {
        case literal(String)
        case field(LabelField)
    }

    /// The pieces in order.
    public let parts: [Part]

    /// A template from its pieces.
    public init(parts: [Part]) { self.parts = parts }

    /// A template that is just one field.
    public init(field: LabelField) { self.parts = [.field(field)] }

    /// Every field the template reads.
    public var fields: [LabelField] {
        parts.compactMap { if case .field(let f) = $0 { return f } else { return nil } }
    }

    /// The text with each field replaced by its value; `missing` receives the first field
    /// that has no value.
    public func resolve(_ data: LabelData) -> Result<String, MissingField> {
        if parts.count == 1 {
            switch parts[0] {
            case .literal(let s): return .success(s)
            case .field(let f):
                guard let v = data.value(of: f) else { return .failure(MissingField(field: f)) }
                return .success(v)
            }
        }
        var out = ""
        for part in parts {
            switch part {
            case .literal(let s): out += s
            case .field(let f):
                guard let v = data.value(of: f) else { return .failure(MissingField(field: f)) }
                out += v
            }
        }
        return .success(out)
    }

    /// A field the label data has no value for.
    public struct MissingField: Error, Equatable, Sendable { public let field: LabelField }

    /// The template as written (`{}` doubled where literal).
    public var description: String {
        parts.map { part -> String in
            switch part {
            case .literal(let s): return s.replacingOccurrences(of: "{", with: "{{").replacingOccurrences(of: "}", with: "}}")
            case .field(let f): return "{\(f.templateName)}"
            }
        }.joined()
    }
}

/// Horizontal alignment of text inside its box.
public enum TextAlignment: String, Sendable, CaseIterable {
    case left, center, right
}

/// What a text element does when its text is wider than its box.
public enum TextOverflow: Sendable, Equatable {
    /// Keep one line; reduce the size down to `minimumPoints` until it fits.
    case shrink(minimumPoints: Double)
    /// Break at spaces into at most `maxLines` lines, shrinking (down to `minimumPoints`) if
    /// even that is not enough.
    case wrap(maxLines: Int, minimumPoints: Double)
}

/// Character classes a GS1-128 is expected to carry, which decides how wide it can get.
public enum BarcodeCharset: String, Sendable, CaseIterable {
    /// Digits only (SSCC, GTIN): Code 128 subset C, two digits per symbol character.
    case numeric
    /// Any GS1 character (lots, serials): one symbol character each in the worst case.
    case alphanumeric
}

/// A QR code placed on the label.
public struct QRSpec: Sendable, Equatable {
    /// Top-left corner in mm from the label's top-left corner.
    public var xMM: Double, yMM: Double
    /// Side of the square the symbol and its quiet zone must fit in.
    /// Side of the square box the symbol and its quiet zone must fit in.
    public var sizeMM: Double
    /// What it shows, with `{field}` placeholders.
    public var content: FieldTemplate
    /// Overrides the template's error-correction level.
    public var errorCorrection: QRErrorCorrection?
    /// The longest content (UTF-8 bytes) the symbol must hold; fixes the QR version, so every
    /// stamp of a batch has the same symbol size.
    public var maxLength: Int
    /// Light modules around the symbol (ISO/IEC 18004 asks for 4).
    public var quietZoneModules: Int
    /// The smallest module allowed (see the templates README for the rule).
    /// The smallest module (mm) allowed; rounded up to whole dots, never below 3 (2 for GS1-128).
    public var minModuleMM: Double
}

/// A GS1 DataMatrix (ECC 200) placed on the label.
public struct DataMatrixSpec: Sendable, Equatable {
    /// Top-left corner in mm from the label's top-left corner.
    public var xMM: Double, yMM: Double
    /// Side of the square box the symbol and its quiet zone must fit in.
    public var sizeMM: Double
    /// What it shows, with `{field}` placeholders.
    public var content: FieldTemplate
    /// The longest content in characters; fixes the symbol size.
    public var maxLength: Int
    /// Starts the symbol with FNC1 and turns GS separators into FNC1 (GS1 DataMatrix).
    public var gs1: Bool
    /// Light modules around the symbol (ISO/IEC 16022 asks for 1).
    public var quietZoneModules: Int
    /// The smallest module (mm) allowed; rounded up to whole dots, never below 3 (2 for GS1-128).
    public var minModuleMM: Double
}

/// A GS1-128 barcode placed on the label.
public struct GS1_128Spec: Sendable, Equatable {
    /// Top-left corner in mm from the label's top-left corner.
    public var xMM: Double, yMM: Double
    /// The width the bars and both quiet zones must fit in; the symbol is centred in it.
    public var widthMM: Double
    /// Bar height.
    public var heightMM: Double
    /// What it shows, with `{field}` placeholders.
    public var content: FieldTemplate
    /// The longest content in characters (GS1 allows 48).
    public var maxLength: Int
    /// Expected characters, for the worst-case width.
    public var charset: BarcodeCharset
    /// Light modules on each side (ISO/IEC 15417 asks for 10).
    public var quietZoneModules: Int
    /// The smallest module (mm) allowed; rounded up to whole dots, never below 3 (2 for GS1-128).
    public var minModuleMM: Double
}

/// A run of text.
public struct TextSpec: Sendable, Equatable {
    /// Top-left corner in mm from the label's top-left corner.
    public var xMM: Double, yMM: Double
    /// What it shows, with `{field}` placeholders.
    public var content: FieldTemplate
    /// Font size as an em height in points.
    public var sizePoints: Double
    /// DejaVu Sans Bold instead of Book.
    public var bold: Bool
    /// Alignment inside the box.
    public var alignment: TextAlignment
    /// Box width the text must fit in; nil = up to the label's right edge.
    public var maxWidthMM: Double?
    /// What happens when the text is too wide.
    public var overflow: TextOverflow
}

/// A horizontal or vertical rule.
public struct LineSpec: Sendable, Equatable {
    /// Start and end in mm; the rule grows right (vertical) or down (horizontal) by its thickness.
    public var x1MM: Double, y1MM: Double, x2MM: Double, y2MM: Double
    /// Stroke thickness.
    public var thicknessMM: Double
}

/// A rectangle outline (a thickness of half the shorter side or more fills it).
public struct BoxSpec: Sendable, Equatable {
    /// Outer edge in mm.
    public var xMM: Double, yMM: Double, widthMM: Double, heightMM: Double
    /// Stroke thickness, drawn inside the outer edge.
    public var thicknessMM: Double
}

/// One placed element of a template.
public struct LabelElement: Sendable, Equatable {
    /// What the element is, with its settings.
    public enum Kind: Sendable, Equatable {
        case qr(QRSpec)
        case dataMatrix(DataMatrixSpec)
        case gs1_128(GS1_128Spec)
        case text(TextSpec)
        case line(LineSpec)
        case box(BoxSpec)

        /// The `type` value templates use.
        public var typeName: String {
            switch self {
            case .qr: return "qr"
            case .dataMatrix: return "datamatrix"
            case .gs1_128: return "gs1_128"
            case .text: return "text"
            case .line: return "line"
            case .box: return "box"
            }
        }
    }

    /// Position in the template file, from 1, so errors can point at it.
    public var index: Int
    /// The element's `name`, if the template gave one.
    public var name: String?
    /// What it is.
    public var kind: Kind

    /// An element at `index` (from 1) of its template.
    public init(index: Int, name: String?, kind: Kind) {
        self.index = index
        self.name = name
        self.kind = kind
    }

    /// How errors name the element.
    public var reference: ElementReference {
        ElementReference(index: index, name: name, type: kind.typeName)
    }
}

/// How an error names an element: `element 3 (text "lot")`.
public struct ElementReference: Sendable, Equatable, CustomStringConvertible {
    /// Position in the template, from 1.
    public var index: Int
    /// The element's `name`, if given.
    public var name: String?
    /// The element's `type`, once known.
    public var type: String?

    /// A reference for messages.
    public init(index: Int, name: String? = nil, type: String? = nil) {
        self.index = index
        self.name = name
        self.type = type
    }

    /// `element 3 (text "lot")`.
    public var description: String {
        switch (type, name) {
        case let (t?, n?): return "element \(index) (\(t) \"\(n)\")"
        case let (t?, nil): return "element \(index) (\(t))"
        case let (nil, n?): return "element \(index) (\"\(n)\")"
        case (nil, nil): return "element \(index)"
        }
    }
}

/// A label design in millimetres: size, printhead resolution and placed elements.
///
/// Templates are files under `Config/templates/` (see its README for the format); a template
/// is checked when it loads, and compiled to a ``LabelLayout`` for a printhead before printing.
public struct LabelTemplate: Sendable, Equatable {
    /// The template's name (usually its file name without `.toml`).
    public var name: String
    /// Where the template came from, for error messages.
    public var source: String
    /// Label size in mm.
    public var widthMM: Double
    public var heightMM: Double
    /// The printhead it is designed for (`dpi`).
    public var resolution: PrintResolution
    /// Default QR error correction for the template's QR elements.
    public var qrErrorCorrection: QRErrorCorrection
    /// Names of the product-specific fields the template may reference.
    public var extraFields: [String]
    /// The elements in drawing order.
    public var elements: [LabelElement]

    /// A template built in code (files go through ``load(contentsOf:)``); check it with
    /// ``LabelLayout/init(_:resolution:)``.
    public init(name: String, source: String = "<memory>", widthMM: Double, heightMM: Double,
                resolution: PrintResolution, qrErrorCorrection: QRErrorCorrection = .medium,
                extraFields: [String] = [], elements: [LabelElement]) {
        self.name = name
        self.source = source
        self.widthMM = widthMM
        self.heightMM = heightMM
        self.resolution = resolution
        self.qrErrorCorrection = qrErrorCorrection
        self.extraFields = extraFields
        self.elements = elements
    }

    /// The same design for another printhead, checked again (a QR that fits at 300 dpi may
    /// not reach the minimum module size at 203 dpi).
    public func retargeted(to resolution: PrintResolution) throws(LabelTemplateError) -> LabelTemplate {
        var copy = self
        copy.resolution = resolution
        _ = try LabelLayout(copy)
        return copy
    }
}
