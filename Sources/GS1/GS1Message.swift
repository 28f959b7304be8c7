/// The ordered GS1 elements carried by one barcode or typed in by an operator.
///
/// Reads and writes both GS1 forms: the element string a scanner transmits (AIs and values
/// concatenated, with a GS, ASCII 29, after each variable-length value that is not last; GS1
/// General Specifications §7.8.5) and the bracketed human-readable form
/// `(01)08938512345017(10)MD250314A` printed under a barcode (§4.15). Parsing validates each value
/// against the AI table and, unless told otherwise, the AI association rules of §4.14.
public struct GS1Message: Sendable, Hashable, CustomStringConvertible {
    /// The elements in the order they were given; an AI repeated with the same value is kept once.
    public let elements: [GS1Element]

    /// The GS (group separator, ASCII 29) character scanners transmit for FNC1 between elements.
    public static let groupSeparator: Character = "\u{1D}"

    /// Creates a message from elements, rejecting duplicates with conflicting values and, when
    /// `checkingAssociations`, missing or forbidden companion AIs (§4.14).
    ///
    /// Pass `checkingAssociations: false` for the data of one symbol out of several on the same
    /// item (a logistics label whose (00) is in another barcode); check the merged data later with
    /// ``validateAssociations(_:)``.
    public init(_ elements: [GS1Element], checkingAssociations: Bool = true) throws(GS1Error) {
        guard !elements.isEmpty else { throw .emptyInput }
        var kept: [GS1Element] = []
        var seen: [String: String] = [:]
        for element in elements {
            if let earlier = seen[element.ai] {
                if earlier != element.value { throw .duplicateAI(ai: element.ai) }
                continue
            }
            seen[element.ai] = element.value
            kept.append(element)
        }
        if checkingAssociations {
            try GS1Message.validateAssociations(kept)
        }
        self.elements = kept
    }

    /// Parses an element string (GS-separated, optionally after a GS1 symbology identifier such
    /// as `]d2` or a leading GS/FNC1) or the bracketed form `(01)…(10)…`.
    ///
    /// In the bracketed form whitespace is ignored and a literal `(` inside a value may be written
    /// `\(`; ``bracketed`` writes it that way when the value would otherwise be ambiguous.
    public init(parsing text: String, checkingAssociations: Bool = true) throws(GS1Error) {
        let trimmed = GS1Message.trimLineEndings(text)
        guard !trimmed.isEmpty else { throw .emptyInput }
        let elements: [GS1Element]
        if trimmed.hasPrefix("(") {
            elements = try GS1Message.parseBracketed(trimmed)
        } else {
            var body = Substring(trimmed)
            if body.hasPrefix("]") {
                let (kind, rest) = try SymbologyIdentifier.split(body)
                guard kind == .gs1 else {
                    throw .unsupportedSymbologyIdentifier(String(body.prefix(3)))
                }
                body = rest
            }
            elements = try GS1Message.parseElementString(body)
        }
        try self.init(elements, checkingAssociations: checkingAssociations)
    }

    /// The value of the first element with this AI.
    public subscript(ai: String) -> String? {
        elements.first { $0.ai == ai }?.value
    }

    /// The element string for a barcode encoder: values concatenated, `separator` (GS by default)
    /// only after a value whose AI is not of predefined length and that is not the last one.
    ///
    /// Printers that want FNC1 spelled differently (e.g. ZPL `>8`) can pass their own separator.
    /// No symbology identifier or leading FNC1 is added: those belong to the symbol, not the data.
    public func elementString(separator: String = String(GS1Message.groupSeparator)) -> String {
        var result = ""
        for (index, element) in elements.enumerated() {
            result += element.ai + element.value
            if index < elements.count - 1 && !element.definition.isPredefinedLength {
                result += separator
            }
        }
        return result
    }

    /// The bracketed human-readable form, `(01)…(10)…`, as printed under a barcode.
    ///
    /// A `(` in a value that could be misread as the start of the next AI (a `(` followed by two
    /// digits) is written `\(`, so
    /// that ``init(parsing:checkingAssociations:)`` reads the text back unchanged.
    public var bracketed: String {
        elements.map { element in
            let scalars = Array(element.value.unicodeScalars)
            var value = ""
            for index in scalars.indices {
                if scalars[index] == "(" && GS1Message.startsWithDigitPair(scalars, after: index) {
                    value += "\\"
                }
                value.unicodeScalars.append(scalars[index])
            }
            return "(\(element.ai))\(value)"
        }.joined()
    }

    /// The bracketed form, as ``bracketed``.
    public var description: String { bracketed }

    /// The same elements with the predefined-length ones first (stable order otherwise), which
    /// needs the fewest separators and so gives the smallest barcode.
    public func reorderedForEncoding() -> GS1Message {
        let fixed = elements.filter { $0.definition.isPredefinedLength }
        let variable = elements.filter { !$0.definition.isPredefinedLength }
        return GS1Message(validated: fixed + variable)
    }

    init(validated elements: [GS1Element]) {
        self.elements = elements
    }

    // MARK: - Association rules (§4.14)

    /// Checks the mandatory associations and invalid pairs of GS1 General Specifications §4.14
    /// over `elements` (which may be the merged data of all symbols on one item).
    ///
    /// A key qualifier missing its key is reported as ``GS1Error/qualifierWithoutPrimaryKey(ai:)``;
    /// other unmet requirements as ``GS1Error/missingAssociatedAI(ai:oneOf:)``; forbidden pairs as
    /// ``GS1Error/invalidPair(ai:with:)``.
    public static func validateAssociations(_ elements: [GS1Element]) throws(GS1Error) {
        let codes = elements.map(\.ai)
        for element in elements {
            let definition = element.definition
            for group in definition.requires {
                let satisfied = codes.contains { code in
                    code != element.ai && group.contains { ApplicationIdentifier.code(code, matches: $0) }
                }
                if satisfied { continue }
                let qualifies = group.contains { key in
                    ApplicationIdentifier.lookup(key)?.digitalLinkQualifiers?.contains { $0.contains(element.ai) } ?? false
                }
                if qualifies {
                    throw .qualifierWithoutPrimaryKey(ai: element.ai)
                }
                throw .missingAssociatedAI(ai: element.ai, oneOf: group)
            }
            for pattern in definition.excludes {
                if let other = codes.first(where: { $0 != element.ai && ApplicationIdentifier.code($0, matches: pattern) }) {
                    throw .invalidPair(ai: element.ai, with: other)
                }
            }
        }
    }

    // MARK: - Parsing

    static func trimLineEndings(_ text: String) -> String {
        let blank: Set<Unicode.Scalar> = [" ", "\t", "\r", "\n"]
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !blank.contains($0) }),
              let last = scalars.lastIndex(where: { !blank.contains($0) }) else { return "" }
        return String(scalars[first...last])
    }

    /// Parses GS-separated element strings (after any symbology identifier was removed).
    static func parseElementString(_ body: Substring) throws(GS1Error) -> [GS1Element] {
        let gs: Unicode.Scalar = "\u{1D}"
        let scalars = Array(body.unicodeScalars)
        var elements: [GS1Element] = []
        var index = 0
        while index < scalars.count {
            if scalars[index] == gs {
                index += 1
                continue
            }
            let rest = String(String.UnicodeScalarView(scalars[index...].prefix(4)))
            guard let definition = ApplicationIdentifier.identify(prefixOf: rest) else {
                throw .unknownAI(prefix: rest.replacingGroupSeparators())
            }
            index += definition.code.count
            var end = index
            let limit = definition.isPredefinedLength ? index + definition.maxLength : scalars.count
            while end < scalars.count && end < limit && scalars[end] != gs {
                end += 1
            }
            let value = String(String.UnicodeScalarView(scalars[index..<end]))
            elements.append(try GS1Element(ai: definition.code, value: value))
            index = end
        }
        guard !elements.isEmpty else { throw .emptyInput }
        return elements
    }

    /// Parses the bracketed form `(AI)value(AI)value…`.
    static func parseBracketed(_ text: String) throws(GS1Error) -> [GS1Element] {
        let scalars = Array(text.unicodeScalars.filter { !($0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n") })
        var elements: [GS1Element] = []
        var index = 0
        while index < scalars.count {
            guard let (code, valueStart) = aiOpening(in: scalars, at: index) else {
                let shown = String(String.UnicodeScalarView(scalars[index...].prefix(8)))
                throw .malformedElementString(reason: "expected \"(\" followed by a 2–4 digit AI and \")\" at \"\(shown)\"")
            }
            guard ApplicationIdentifier.lookup(code) != nil else {
                throw .unknownAI(prefix: code)
            }
            var value = String.UnicodeScalarView()
            var cursor = valueStart
            while cursor < scalars.count {
                if scalars[cursor] == "\\" && cursor + 1 < scalars.count && scalars[cursor + 1] == "(" {
                    value.append("(")
                    cursor += 2
                    continue
                }
                if scalars[cursor] == "(" {
                    if aiOpening(in: scalars, at: cursor) != nil { break }
                    if startsWithDigitPair(scalars, after: cursor) {
                        let shown = String(String.UnicodeScalarView(scalars[cursor...].prefix(8)))
                        throw .malformedElementString(reason: "\"\(shown)\" looks like an AI without its closing \")\"; write \\( for a literal parenthesis")
                    }
                }
                value.append(scalars[cursor])
                cursor += 1
            }
            elements.append(try GS1Element(ai: code, value: String(value)))
            index = cursor
        }
        guard !elements.isEmpty else { throw .emptyInput }
        return elements
    }

    /// Whether two digits follow `scalars[index]` — a `(` there reads as the start of an AI.
    static func startsWithDigitPair(_ scalars: [Unicode.Scalar], after index: Int) -> Bool {
        let following = scalars[(index + 1)...].prefix(2)
        return following.count == 2 && following.allSatisfy { CheckDigit.asciiDigit($0) != nil }
    }

    /// If `scalars[index...]` starts with `(` + 2–4 digits + `)`, the AI digits and the index after `)`.
    static func aiOpening(in scalars: [Unicode.Scalar], at index: Int) -> (String, Int)? {
        guard index < scalars.count, scalars[index] == "(" else { return nil }
        var code = ""
        var cursor = index + 1
        while cursor < scalars.count, CheckDigit.asciiDigit(scalars[cursor]) != nil, code.count < 4 {
            code.unicodeScalars.append(scalars[cursor])
            cursor += 1
        }
        guard code.count >= 2, cursor < scalars.count, scalars[cursor] == ")" else { return nil }
        return (code, cursor + 1)
    }
}

extension String {
    /// The text with GS shown as `<GS>`, for error messages.
    func replacingGroupSeparators() -> String {
        var result = ""
        for scalar in unicodeScalars {
            if scalar == "\u{1D}" { result += "<GS>" } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }
}
