import Barcodes
import Foundation
import TOMLKit
import TOMLReading

extension LabelTemplate {
    /// Loads and checks a template file (TOML; format in `Config/templates/README.md`).
    ///
    /// The template is also compiled for its own `dpi`, so a QR that cannot fit its box is
    /// reported here, when the template is installed, not when a batch starts printing.
    public static func load(contentsOf path: String) throws(LabelTemplateError) -> LabelTemplate {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw LabelTemplateError(file: path, problem: .unreadable(reason: error.localizedDescription))
        }
        return try LabelTemplate(toml: text, source: path)
    }

    /// Parses and checks a template from TOML text; `source` names it in errors.
    public init(toml: String, source: String = "<memory>") throws(LabelTemplateError) {
        let root: TOMLTable
        do {
            root = try TOMLReading.table(from: toml)
        } catch {
            throw LabelTemplateError(file: source, problem: .syntax(line: error.line, column: error.column, message: error.message))
        }
        let template = try TemplateParser(source: source).parse(root)
        _ = try LabelLayout(template)
        self = template
    }
}

/// Reads the TOML tree into a ``LabelTemplate``, naming file and element in every error.
struct TemplateParser {
    let source: String

    static let labelKeys = ["name", "description", "width_mm", "height_mm", "dpi", "qr_error_correction",
                            "extra_fields", "element"]

    func parse(_ root: TOMLTable) throws(LabelTemplateError) -> LabelTemplate {
        let top = Keys(table: root, parser: self, element: nil)
        try top.checkKnown(Self.labelKeys)
        let name = try top.requiredString("name")
        _ = try top.optionalString("description")
        let width = try top.requiredNumber("width_mm")
        let height = try top.requiredNumber("height_mm")
        guard width > 0, width <= 1000 else {
            throw error(nil, .invalidValue(key: "width_mm", value: "\(width)", expected: "between 0 and 1000 mm"))
        }
        guard height > 0, height <= 1000 else {
            throw error(nil, .invalidValue(key: "height_mm", value: "\(height)", expected: "between 0 and 1000 mm"))
        }
        let dpiValue = try top.requiredInt("dpi")
        guard let resolution = PrintResolution(rawValue: dpiValue) else {
            throw error(nil, .unsupportedDPI(dpiValue))
        }
        let level = try top.optionalErrorCorrection("qr_error_correction") ?? .medium
        let extras = try top.optionalStringArray("extra_fields") ?? []
        for extra in extras {
            guard !extra.isEmpty, extra.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) else {
                throw error(nil, .invalidValue(key: "extra_fields", value: "\"\(extra)\"",
                                                expected: "names of lowercase letters, digits and _"))
            }
            if LabelField(standardName: extra) != nil {
                throw error(nil, .invalidValue(key: "extra_fields", value: "\"\(extra)\"",
                                                expected: "a name that is not already a standard field"))
            }
        }
        guard let elementValue = root["element"] else { throw error(nil, .noElements) }
        guard let array = elementValue.array else {
            throw error(nil, .wrongType(key: "element", expected: "an array of tables ([[element]])"))
        }
        if array.isEmpty { throw error(nil, .noElements) }

        var elements: [LabelElement] = []
        var names: Set<String> = []
        for (offset, value) in array.enumerated() {
            let index = offset + 1
            guard let table = value.table else {
                throw error(ElementReference(index: index), .wrongType(key: "element", expected: "a table"))
            }
            let element = try parseElement(table, index: index, extras: extras)
            if let n = element.name {
                if !names.insert(n).inserted { throw error(element.reference, .duplicateName(n)) }
            }
            elements.append(element)
        }
        return LabelTemplate(name: name, source: source, widthMM: width, heightMM: height,
                             resolution: resolution, qrErrorCorrection: level, extraFields: extras,
                             elements: elements)
    }

    private func parseElement(_ table: TOMLTable, index: Int, extras: [String]) throws(LabelTemplateError) -> LabelElement {
        var keys = Keys(table: table, parser: self, element: ElementReference(index: index))
        // Name and type first, so every later error can say which element it is about.
        let name = try keys.optionalString("name")
        keys.element = ElementReference(index: index, name: name)
        let type = try keys.requiredString("type")
        keys.element = ElementReference(index: index, name: name, type: type)
        let common = ["type", "name"]
        let contentKeys = ["field", "content"]
        let kind: LabelElement.Kind
        switch type {
        case "qr":
            try keys.checkKnown(common + contentKeys + ["x_mm", "y_mm", "size_mm", "error_correction", "max_length",
                                                         "quiet_zone_modules", "min_module_mm"])
            kind = .qr(QRSpec(
                xMM: try keys.requiredNumber("x_mm"), yMM: try keys.requiredNumber("y_mm"),
                sizeMM: try keys.requiredPositive("size_mm"),
                content: try keys.content(default: .digitalLink, extras: extras),
                errorCorrection: try keys.optionalErrorCorrection("error_correction"),
                maxLength: try keys.optionalCount("max_length", min: 1) ?? 100,
                quietZoneModules: try keys.optionalCount("quiet_zone_modules", min: 0) ?? 4,
                minModuleMM: try keys.optionalPositive("min_module_mm") ?? 0.33))
        case "datamatrix":
            try keys.checkKnown(common + contentKeys + ["x_mm", "y_mm", "size_mm", "max_length", "gs1",
                                                         "quiet_zone_modules", "min_module_mm"])
            kind = .dataMatrix(DataMatrixSpec(
                xMM: try keys.requiredNumber("x_mm"), yMM: try keys.requiredNumber("y_mm"),
                sizeMM: try keys.requiredPositive("size_mm"),
                content: try keys.content(default: .elementString, extras: extras),
                maxLength: try keys.optionalCount("max_length", min: 1) ?? 70,
                gs1: try keys.optionalBool("gs1") ?? true,
                quietZoneModules: try keys.optionalCount("quiet_zone_modules", min: 0) ?? 1,
                minModuleMM: try keys.optionalPositive("min_module_mm") ?? 0.33))
        case "gs1_128":
            try keys.checkKnown(common + contentKeys + ["x_mm", "y_mm", "width_mm", "height_mm", "max_length",
                                                         "charset", "quiet_zone_modules", "min_module_mm"])
            let charsetName = try keys.optionalString("charset") ?? "alphanumeric"
            guard let charset = BarcodeCharset(rawValue: charsetName) else {
                throw keys.fail(.invalidValue(key: "charset", value: "\"\(charsetName)\"", expected: "\"numeric\" or \"alphanumeric\""))
            }
            kind = .gs1_128(GS1_128Spec(
                xMM: try keys.requiredNumber("x_mm"), yMM: try keys.requiredNumber("y_mm"),
                widthMM: try keys.requiredPositive("width_mm"), heightMM: try keys.requiredPositive("height_mm"),
                content: try keys.content(default: .elementString, extras: extras),
                maxLength: try keys.optionalCount("max_length", min: 1) ?? 48,
                charset: charset,
                quietZoneModules: try keys.optionalCount("quiet_zone_modules", min: 0) ?? 10,
                minModuleMM: try keys.optionalPositive("min_module_mm") ?? 0.495))
        case "text":
            try keys.checkKnown(common + contentKeys + ["x_mm", "y_mm", "font_pt", "font_mm", "bold", "align",
                                                         "max_width_mm", "overflow", "max_lines", "min_font_pt"])
            let size: Double
            switch (try keys.optionalPositive("font_pt"), try keys.optionalPositive("font_mm")) {
            case (let pt?, nil): size = pt
            case (nil, let mm?): size = mm / 25.4 * 72
            case (_?, _?): throw keys.fail(.conflictingKeys("font_pt", "font_mm"))
            case (nil, nil): throw keys.fail(.missingKey("font_pt"))
            }
            let alignName = try keys.optionalString("align") ?? "left"
            guard let alignment = TextAlignment(rawValue: alignName) else {
                throw keys.fail(.invalidValue(key: "align", value: "\"\(alignName)\"", expected: "\"left\", \"center\" or \"right\""))
            }
            let minimum = try keys.optionalPositive("min_font_pt") ?? min(4, size)
            guard minimum <= size else {
                throw keys.fail(.invalidValue(key: "min_font_pt", value: "\(minimum)", expected: "at most the font size (\(size) pt)"))
            }
            let mode = try keys.optionalString("overflow") ?? "shrink"
            let overflow: TextOverflow
            switch mode {
            case "shrink":
                if keys.has("max_lines") { throw keys.fail(.conflictingKeys("max_lines", "overflow = \"shrink\"")) }
                overflow = .shrink(minimumPoints: minimum)
            case "wrap":
                overflow = .wrap(maxLines: try keys.optionalCount("max_lines", min: 1) ?? 2, minimumPoints: minimum)
            default:
                throw keys.fail(.invalidValue(key: "overflow", value: "\"\(mode)\"", expected: "\"shrink\" or \"wrap\""))
            }
            let content: FieldTemplate
            if keys.has("field") || keys.has("content") {
                content = try keys.content(default: nil, extras: extras)
            } else {
                throw keys.fail(.missingKey("field"))
            }
            kind = .text(TextSpec(
                xMM: try keys.requiredNumber("x_mm"), yMM: try keys.requiredNumber("y_mm"),
                content: content, sizePoints: size, bold: try keys.optionalBool("bold") ?? false,
                alignment: alignment, maxWidthMM: try keys.optionalPositive("max_width_mm"),
                overflow: overflow))
        case "line":
            try keys.checkKnown(common + ["x1_mm", "y1_mm", "x2_mm", "y2_mm", "thickness_mm"])
            kind = .line(LineSpec(
                x1MM: try keys.requiredNumber("x1_mm"), y1MM: try keys.requiredNumber("y1_mm"),
                x2MM: try keys.requiredNumber("x2_mm"), y2MM: try keys.requiredNumber("y2_mm"),
                thicknessMM: try keys.optionalPositive("thickness_mm") ?? 0.25))
        case "box":
            try keys.checkKnown(common + ["x_mm", "y_mm", "width_mm", "height_mm", "thickness_mm"])
            kind = .box(BoxSpec(
                xMM: try keys.requiredNumber("x_mm"), yMM: try keys.requiredNumber("y_mm"),
                widthMM: try keys.requiredPositive("width_mm"), heightMM: try keys.requiredPositive("height_mm"),
                thicknessMM: try keys.optionalPositive("thickness_mm") ?? 0.25))
        default:
            throw keys.fail(.unknownElementType(type))
        }
        return LabelElement(index: index, name: name, kind: kind)
    }

    func error(_ element: ElementReference?, _ problem: LabelTemplateError.Problem) -> LabelTemplateError {
        LabelTemplateError(file: source, element: element, problem: problem)
    }

    /// Parses `{field}` placeholders; `{{` and `}}` are literal braces.
    enum PlaceholderResult {
        case success(FieldTemplate)
        case failure(LabelTemplateError.Problem)
    }

    static func parsePlaceholders(_ text: String, key: String, known: (String) -> LabelField?) -> PlaceholderResult {
        var parts: [FieldTemplate.Part] = []
        var literal = ""
        var it = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let p = pending { pending = nil; return p }
            return it.next()
        }
        while let c = next() {
            if c == "{" {
                guard let d = next() else { return .failure(.malformedPlaceholder(key: key, text: text)) }
                if d == "{" { literal.append("{"); continue }
                var name = String(d)
                var closed = false
                while let e = next() {
                    if e == "}" { closed = true; break }
                    if e == "{" { return .failure(.malformedPlaceholder(key: key, text: text)) }
                    name.append(e)
                }
                guard closed else { return .failure(.malformedPlaceholder(key: key, text: text)) }
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard let field = known(trimmed) else {
                    return .failure(.unknownField(trimmed, known: []))
                }
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                parts.append(.field(field))
            } else if c == "}" {
                guard let d = next(), d == "}" else { return .failure(.malformedPlaceholder(key: key, text: text)) }
                literal.append("}")
            } else {
                literal.append(c)
            }
        }
        if !literal.isEmpty || parts.isEmpty { parts.append(.literal(literal)) }
        return .success(FieldTemplate(parts: parts))
    }
}

/// Typed access to one TOML table, remembering where errors point.
private struct Keys {
    let table: TOMLTable
    let parser: TemplateParser
    var element: ElementReference?

    init(table: TOMLTable, parser: TemplateParser, element: ElementReference?) {
        self.table = table
        self.parser = parser
        self.element = element
    }

    func fail(_ problem: LabelTemplateError.Problem) -> LabelTemplateError {
        parser.error(element, problem)
    }

    func has(_ key: String) -> Bool { table[key] != nil }

    func checkKnown(_ allowed: [String]) throws(LabelTemplateError) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            throw fail(.unknownKey(key, allowed: allowed))
        }
    }

    func requiredString(_ key: String) throws(LabelTemplateError) -> String {
        guard let s = try optionalString(key) else { throw fail(.missingKey(key)) }
        return s
    }

    func optionalString(_ key: String) throws(LabelTemplateError) -> String? {
        guard let v = table[key] else { return nil }
        guard let s = v.string else { throw fail(.wrongType(key: key, expected: "a string")) }
        return s
    }

    func optionalBool(_ key: String) throws(LabelTemplateError) -> Bool? {
        guard let v = table[key] else { return nil }
        guard let b = v.bool else { throw fail(.wrongType(key: key, expected: "true or false")) }
        return b
    }

    func requiredNumber(_ key: String) throws(LabelTemplateError) -> Double {
        guard let v = try optionalNumber(key) else { throw fail(.missingKey(key)) }
        return v
    }

    func optionalNumber(_ key: String) throws(LabelTemplateError) -> Double? {
        guard let v = table[key] else { return nil }
        if let d = v.double { return d }
        if let i = v.int { return Double(i) }
        throw fail(.wrongType(key: key, expected: "a number"))
    }

    func requiredPositive(_ key: String) throws(LabelTemplateError) -> Double {
        guard let v = try optionalPositive(key) else { throw fail(.missingKey(key)) }
        return v
    }

    func optionalPositive(_ key: String) throws(LabelTemplateError) -> Double? {
        guard let v = try optionalNumber(key) else { return nil }
        guard v > 0, v.isFinite else { throw fail(.invalidValue(key: key, value: "\(v)", expected: "a positive number")) }
        return v
    }

    func requiredInt(_ key: String) throws(LabelTemplateError) -> Int {
        guard let v = table[key] else { throw fail(.missingKey(key)) }
        guard let i = v.int else { throw fail(.wrongType(key: key, expected: "an integer")) }
        return i
    }

    func optionalCount(_ key: String, min: Int) throws(LabelTemplateError) -> Int? {
        guard let v = table[key] else { return nil }
        guard let i = v.int else { throw fail(.wrongType(key: key, expected: "an integer")) }
        guard i >= min else { throw fail(.invalidValue(key: key, value: "\(i)", expected: "at least \(min)")) }
        return i
    }

    func optionalStringArray(_ key: String) throws(LabelTemplateError) -> [String]? {
        guard let v = table[key] else { return nil }
        guard let array = v.array else { throw fail(.wrongType(key: key, expected: "an array of strings")) }
        var out: [String] = []
        for item in array {
            guard let s = item.string else { throw fail(.wrongType(key: key, expected: "an array of strings")) }
            out.append(s)
        }
        return out
    }

    func optionalErrorCorrection(_ key: String) throws(LabelTemplateError) -> QRErrorCorrection? {
        guard let s = try optionalString(key) else { return nil }
        guard let level = QRErrorCorrection(rawValue: s.uppercased()) else {
            throw fail(.invalidValue(key: key, value: "\"\(s)\"", expected: "\"L\", \"M\", \"Q\" or \"H\""))
        }
        return level
    }

    /// `field = "name"` or `content = "text with {fields}"`; `default` when neither is given.
    func content(default fallback: LabelField?, extras: [String]) throws(LabelTemplateError) -> FieldTemplate {
        let known = LabelField.standard.map(\.templateName) + extras
        let lookup: (String) -> LabelField? = { name in
            if let f = LabelField(standardName: name) { return f }
            return extras.contains(name) ? .extra(name) : nil
        }
        switch (try optionalString("field"), try optionalString("content")) {
        case (_?, _?):
            throw fail(.conflictingKeys("field", "content"))
        case (let name?, nil):
            guard let f = lookup(name) else { throw fail(.unknownField(name, known: known)) }
            return FieldTemplate(field: f)
        case (nil, let text?):
            switch TemplateParser.parsePlaceholders(text, key: "content", known: lookup) {
            case .success(let t): return t
            case .failure(.unknownField(let name, _)): throw fail(.unknownField(name, known: known))
            case .failure(let p): throw fail(p)
            }
        case (nil, nil):
            guard let f = fallback else { throw fail(.missingKey("field")) }
            return FieldTemplate(field: f)
        }
    }
}
