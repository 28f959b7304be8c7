/// Why a template cannot be used, with the file and element it is about.
///
/// Every message names the file and, where it applies, the element (`element 3 (qr "stamp")`),
/// and ends with what to change.
public struct LabelTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The template file (or `<memory>`).
    public var file: String
    /// The element at fault, or nil for the label as a whole.
    public var element: ElementReference?
    /// What is wrong.
    public var problem: Problem

    /// An error about `file` and, if given, one of its elements.
    public init(file: String, element: ElementReference? = nil, problem: Problem) {
        self.file = file
        self.element = element
        self.problem = problem
    }

    /// The kinds of template mistakes.
    public enum Problem: Sendable, Equatable {
        /// The file could not be read.
        case unreadable(reason: String)
        /// Not valid TOML.
        case syntax(line: Int, column: Int, message: String)
        case missingKey(String)
        case wrongType(key: String, expected: String)
        case unknownKey(String, allowed: [String])
        case invalidValue(key: String, value: String, expected: String)
        case unsupportedDPI(Int)
        case unknownElementType(String)
        /// A `{placeholder}` or `field` that is neither a standard field nor a declared extra.
        case unknownField(String, known: [String])
        /// A `{` without its `}` (or the reverse) in a content template.
        case malformedPlaceholder(key: String, text: String)
        case conflictingKeys(String, String)
        case duplicateName(String)
        case noElements
        /// The element's extent (mm) leaves the label.
        case outsideLabel(left: Double, top: Double, right: Double, bottom: Double,
                          labelWidth: Double, labelHeight: Double)
        case lineNotAxisAligned
        /// A barcode cannot be drawn in its box at whole-dot modules of at least the minimum.
        case symbolDoesNotFit(symbol: String, detail: String)
        /// The content length is beyond what the symbology can carry at all.
        case contentTooLongForSymbology(symbol: String, maxLength: Int, limit: Int)
    }

    /// `file: element: what is wrong; what to do`.
    public var description: String {
        let place = element.map { "\(file): \($0): " } ?? "\(file): "
        return place + problemDescription
    }

    private var problemDescription: String {
        switch problem {
        case .unreadable(let reason):
            return "cannot read the template (\(reason)); check the path and its permissions"
        case .syntax(let line, let column, let message):
            return "not valid TOML at line \(line), column \(column): \(message); fix the syntax there"
        case .missingKey(let key):
            return "missing required key '\(key)'; add it"
        case .wrongType(let key, let expected):
            return "'\(key)' must be \(expected); change its value"
        case .unknownKey(let key, let allowed):
            return "unknown key '\(key)'; remove it or use one of: \(allowed.joined(separator: ", "))"
        case .invalidValue(let key, let value, let expected):
            return "'\(key)' is \(value), but must be \(expected)"
        case .unsupportedDPI(let dpi):
            return "dpi \(dpi) is not a printhead resolution the station drives; use 180, 203, 300 or 600"
        case .unknownElementType(let type):
            return "unknown element type '\(type)'; use qr, datamatrix, gs1_128, text, line or box"
        case .unknownField(let name, let known):
            return "unknown field '\(name)'; use one of \(known.joined(separator: ", ")), "
                + "or declare it in extra_fields"
        case .malformedPlaceholder(let key, let text):
            return "'\(key)' has an unbalanced brace in \"\(text)\"; write fields as {name} and literal braces as {{ and }}"
        case .conflictingKeys(let a, let b):
            return "'\(a)' and '\(b)' cannot both be given; keep one"
        case .duplicateName(let name):
            return "the name \"\(name)\" is already used by another element; give each element its own name"
        case .noElements:
            return "the template has no [[element]] tables; add at least one"
        case .outsideLabel(let l, let t, let r, let b, let w, let h):
            return "extends outside the \(mm(w)) × \(mm(h)) mm label (it spans x \(mm(l))…\(mm(r)) mm, "
                + "y \(mm(t))…\(mm(b)) mm); move or shrink it"
        case .lineNotAxisAligned:
            return "lines must be horizontal or vertical (x1_mm = x2_mm or y1_mm = y2_mm); use a box or two lines"
        case .symbolDoesNotFit(let symbol, let detail):
            return "the \(symbol) does not fit its box: \(detail)"
        case .contentTooLongForSymbology(let symbol, let maxLength, let limit):
            return "max_length \(maxLength) is more than a \(symbol) can carry (\(limit)); lower max_length or use another symbology"
        }
    }

    private func mm(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}

/// Why one label could not be drawn from its data; names the element and the field.
public struct LabelRenderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The template's name.
    public var template: String
    /// The element that could not be drawn.
    public var element: ElementReference
    /// What is wrong with the data.
    public var problem: Problem

    /// An error about one element of one label.
    public init(template: String, element: ElementReference, problem: Problem) {
        self.template = template
        self.element = element
        self.problem = problem
    }

    /// The kinds of data problems.
    public enum Problem: Sendable, Equatable {
        /// The data has no value for a field the element uses.
        case missingValue(LabelField)
        /// A barcode's content is empty.
        case emptyContent
        /// Content longer than the symbol sized for `max_length` can hold (`unit`: bytes,
        /// codewords or modules).
        case contentTooLong(length: Int, capacity: Int, unit: String)
        /// Characters the symbology cannot carry.
        case unencodable(String)
        /// Text that stays too wide even at the minimum size.
        case textDoesNotFit(text: String, minimumPoints: Double)
        /// The font has no glyph for a character (it would print as an empty box).
        case missingGlyph(Character, scalar: UInt32, font: String)
    }

    /// `template: element: what is wrong; what to do`.
    public var description: String {
        let place = "\(template): \(element): "
        switch problem {
        case .missingValue(let f):
            return place + "the label data has no value for '\(f.templateName)'; set it before printing"
        case .emptyContent:
            return place + "the barcode content is empty; fill the field it reads"
        case .contentTooLong(let length, let capacity, let unit):
            return place + "the content needs \(length) \(unit) but the symbol was sized for \(capacity); "
                + "raise max_length in the template (and make room for a bigger symbol) or shorten the data"
        case .unencodable(let what):
            return place + "cannot encode \(what); remove those characters from the data"
        case .textDoesNotFit(let text, let minimum):
            return place + "\"\(text)\" does not fit its box even at \(minimum) pt; "
                + "widen max_width_mm, allow more lines or shorten the text"
        case .missingGlyph(let c, let scalar, let font):
            return place + "the font \(font) has no glyph for '\(c)' (U+\(String(scalar, radix: 16, uppercase: true))); "
                + "use a font that covers it or change the text"
        }
    }
}
