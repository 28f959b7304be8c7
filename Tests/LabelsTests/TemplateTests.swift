import Barcodes
import Testing
@testable import Labels

/// The shipped templates load, and bad ones fail with errors that name the element.
@Suite struct TemplateTests {
    @Test(arguments: Samples.templateNames)
    func shippedTemplatesLoadAtBothResolutions(name: String) throws {
        let template = try Samples.template(name)
        #expect(template.name == name)
        #expect(template.resolution == .dpi203)
        _ = try template.retargeted(to: .dpi300)
        _ = try template.retargeted(to: .dpi600)
    }

    @Test func placeholdersParseIntoFieldsAndLiterals() throws {
        let t = try LabelTemplate(toml: Self.valid(text: #"content = "Lô {lot} · HSD {expiry_date} {{x}}""#))
        guard case .text(let spec) = t.elements[1].kind else { Issue.record("element 2 is text"); return }
        #expect(spec.content.parts == [.literal("Lô "), .field(.lot), .literal(" · HSD "), .field(.expiryDate), .literal(" {x}")])
        #expect(spec.content.description == "Lô {lot} · HSD {expiry_date} {{x}}")
        guard case .success(let s) = spec.content.resolve(Samples.stamp) else { Issue.record("resolves"); return }
        #expect(s == "Lô MD250314A · HSD 13/03/2026 {x}")
    }

    @Test func extraFieldsResolveFromTheData() throws {
        let t = try Samples.template("carton-100x70")
        let quantity = t.elements.first { $0.name == "quantity" }!
        guard case .text(let spec) = quantity.kind else { Issue.record("text"); return }
        #expect(spec.content.fields == [.extra("quantity")])
    }

    /// A template that is valid; each case below breaks one thing.
    static func valid(top: String = "", qr: String = "", text: String = #"field = "lot""#, more: String = "") -> String {
        """
        name = "t"
        width_mm = 50
        height_mm = 30
        dpi = 203
        \(top)

        [[element]]
        type = "qr"
        name = "qr"
        x_mm = 1.5
        y_mm = 2.5
        size_mm = 25
        \(qr)

        [[element]]
        type = "text"
        name = "lot"
        x_mm = 27.5
        y_mm = 10
        max_width_mm = 21.5
        font_pt = 6.5
        \(text)
        \(more)
        """
    }

    static let qrRef = ElementReference(index: 1, name: "qr", type: "qr")
    static let textRef = ElementReference(index: 2, name: "lot", type: "text")

    struct Case: CustomTestStringConvertible, Sendable {
        let number: Int
        let what: String
        let toml: String
        let element: ElementReference?
        let check: @Sendable (LabelTemplateError.Problem) -> Bool
        var testDescription: String { "\(number). \(what)" }
    }

    static let cases: [Case] = [
        Case(number: 1, what: "unsupported dpi", toml: valid().replacingOccurrences(of: "dpi = 203", with: "dpi = 250"),
             element: nil, check: { $0 == .unsupportedDPI(250) }),
        Case(number: 2, what: "missing label width", toml: valid().replacingOccurrences(of: "width_mm = 50\n", with: ""),
             element: nil, check: { $0 == .missingKey("width_mm") }),
        Case(number: 3, what: "QR without x_mm", toml: valid().replacingOccurrences(of: "x_mm = 1.5\n", with: ""),
             element: qrRef, check: { $0 == .missingKey("x_mm") }),
        Case(number: 4, what: "unknown placeholder", toml: valid(text: #"content = "Lô {lto}""#),
             element: textRef, check: { if case .unknownField("lto", let known) = $0 { return known.contains("lot") } else { return false } }),
        Case(number: 5, what: "undeclared extra field", toml: valid(text: #"field = "net_weight""#),
             element: textRef, check: { if case .unknownField("net_weight", _) = $0 { return true } else { return false } }),
        Case(number: 6, what: "QR outside the label", toml: valid().replacingOccurrences(of: "x_mm = 1.5", with: "x_mm = 30"),
             element: qrRef, check: { if case .outsideLabel(30, 2.5, 55, 27.5, 50, 30) = $0 { return true } else { return false } }),
        Case(number: 7, what: "QR box too small for 100 bytes at 3 dots per module", toml: valid().replacingOccurrences(of: "size_mm = 25", with: "size_mm = 17"),
             element: qrRef, check: { if case .symbolDoesNotFit("QR code", let d) = $0 { return d.contains("version 6") && d.contains("147 dots") } else { return false } }),
        Case(number: 8, what: "QR at error correction H for long content", toml: valid(qr: #"error_correction = "H""# + "\nmax_length = 150"),
             element: qrRef, check: { if case .symbolDoesNotFit("QR code", let d) = $0 { return d.contains("error correction H") } else { return false } }),
        Case(number: 9, what: "misspelt key", toml: valid(qr: "sise_mm = 20"),
             element: qrRef, check: { if case .unknownKey("sise_mm", let allowed) = $0 { return allowed.contains("size_mm") } else { return false } }),
        Case(number: 10, what: "unknown element type", toml: valid(more: "\n[[element]]\ntype = \"barcode\"\nname = \"b\""),
             element: ElementReference(index: 3, name: "b", type: "barcode"), check: { $0 == .unknownElementType("barcode") }),
        Case(number: 11, what: "duplicate element name", toml: valid(more: "\n[[element]]\ntype = \"box\"\nname = \"qr\"\nx_mm = 0\ny_mm = 0\nwidth_mm = 5\nheight_mm = 5"),
             element: ElementReference(index: 3, name: "qr", type: "box"), check: { $0 == .duplicateName("qr") }),
        Case(number: 12, what: "diagonal line", toml: valid(more: "\n[[element]]\ntype = \"line\"\nx1_mm = 0\ny1_mm = 0\nx2_mm = 10\ny2_mm = 10"),
             element: ElementReference(index: 3, type: "line"), check: { $0 == .lineNotAxisAligned }),
        Case(number: 13, what: "TOML syntax error", toml: "name = \"t\"\nwidth_mm = = 50\n",
             element: nil, check: { if case .syntax(2, _, _) = $0 { return true } else { return false } }),
        Case(number: 14, what: "number given as a string", toml: valid().replacingOccurrences(of: "y_mm = 2.5", with: "y_mm = \"2.5\""),
             element: qrRef, check: { $0 == .wrongType(key: "y_mm", expected: "a number") }),
        Case(number: 15, what: "GS1-128 too narrow for its content", toml: valid(more: "\n[[element]]\ntype = \"gs1_128\"\nname = \"sscc\"\nx_mm = 1\ny_mm = 27\nwidth_mm = 40\nheight_mm = 2\ncontent = \"00{sscc}\"\nmax_length = 20\ncharset = \"numeric\""),
             element: ElementReference(index: 3, name: "sscc", type: "gs1_128"),
             check: { if case .symbolDoesNotFit("GS1-128", let d) = $0 { return d.contains("176 modules") || d.contains("156 modules") } else { return false } }),
        Case(number: 16, what: "Data Matrix box too small", toml: valid(more: "\n[[element]]\ntype = \"datamatrix\"\nname = \"dm\"\nx_mm = 40\ny_mm = 20\nsize_mm = 8\nmax_length = 70"),
             element: ElementReference(index: 3, name: "dm", type: "datamatrix"),
             check: { if case .symbolDoesNotFit("Data Matrix", let d) = $0 { return d.contains("36×36") } else { return false } }),
        Case(number: 17, what: "no elements", toml: "name = \"t\"\nwidth_mm = 50\nheight_mm = 30\ndpi = 203\n",
             element: nil, check: { $0 == .noElements }),
        Case(number: 18, what: "unbalanced brace", toml: valid(text: #"content = "Lô {lot""#),
             element: textRef, check: { if case .malformedPlaceholder("content", _) = $0 { return true } else { return false } }),
        Case(number: 19, what: "two font sizes", toml: valid(text: "field = \"lot\"\nfont_mm = 2"),
             element: textRef, check: { $0 == .conflictingKeys("font_pt", "font_mm") }),
        Case(number: 20, what: "bad error-correction letter", toml: valid(top: #"qr_error_correction = "X""#),
             element: nil, check: { if case .invalidValue("qr_error_correction", "\"X\"", _) = $0 { return true } else { return false } }),
        Case(number: 21, what: "text running off the bottom", toml: valid().replacingOccurrences(of: "y_mm = 10", with: "y_mm = 29"),
             element: textRef, check: { if case .outsideLabel = $0 { return true } else { return false } }),
        Case(number: 22, what: "text without content", toml: valid(text: ""),
             element: textRef, check: { $0 == .missingKey("field") }),
    ]

    @Test(arguments: cases)
    func badTemplateNamesTheElementAndTheProblem(_ c: Case) throws {
        do {
            _ = try LabelTemplate(toml: c.toml, source: "bad.toml")
            Issue.record("case \(c.number) (\(c.what)) was accepted")
        } catch {
            #expect(error.file == "bad.toml")
            #expect(error.element == c.element, "case \(c.number): \(error)")
            #expect(c.check(error.problem), "case \(c.number): \(error)")
            #expect(error.description.hasPrefix("bad.toml: "))
            if let element = c.element { #expect(error.description.contains(element.description)) }
        }
    }

    @Test func messagesSayWhatToDo() throws {
        do {
            _ = try LabelTemplate(toml: Self.valid().replacingOccurrences(of: "size_mm = 25", with: "size_mm = 17"), source: "stamp.toml")
        } catch {
            #expect(error.description.hasPrefix("stamp.toml: element 1 (qr \"qr\"): the QR code does not fit its box"))
            #expect(error.description.contains("enlarge size_mm"))
        }
    }

    @Test func aTemplateThatFitsAt300DpiCanFailAt203() throws {
        // 45 × 3 = 135 dots (16.9 mm) at 203 dpi; 45 × 4 = 180 dots (15.2 mm) at 300 dpi.
        let toml = Self.valid(qr: "max_length = 70").replacingOccurrences(of: "size_mm = 25", with: "size_mm = 16")
            .replacingOccurrences(of: "dpi = 203", with: "dpi = 300")
        let template = try LabelTemplate(toml: toml)
        #expect(throws: LabelTemplateError.self) { try template.retargeted(to: .dpi203) }
    }

    @Test func missingFileIsReportedWithItsPath() {
        do {
            _ = try LabelTemplate.load(contentsOf: "/nonexistent/stamp.toml")
        } catch {
            #expect(error.file == "/nonexistent/stamp.toml")
            guard case .unreadable = error.problem else { Issue.record("\(error)"); return }
        }
    }
}

/// The QR capacities the layout relies on match ISO/IEC 18004 Table 7 (byte mode).
@Suite struct QRCapacityTests {
    @Test(arguments: [
        (1, QRErrorCorrection.low, 17), (1, .medium, 14), (1, .quartile, 11), (1, .high, 7),
        (5, .medium, 84), (6, .medium, 106), (7, .medium, 122), (10, .low, 271), (40, .low, 2953), (40, .high, 1273),
    ])
    func byteModeCapacity(version: Int, level: QRErrorCorrection, bytes: Int) {
        #expect(QRCapacity.capacity(version: version, level: level) == bytes)
    }

    @Test func versionForTheLongestContent() {
        #expect(QRCapacity.version(forBytes: 100, level: .medium) == 6)
        #expect(QRCapacity.version(forBytes: 106, level: .medium) == 6)
        #expect(QRCapacity.version(forBytes: 107, level: .medium) == 7)
        #expect(QRCapacity.version(forBytes: 2332, level: .medium) == nil)
    }
}
