/// Everything that can be wrong with GS1 data, said precisely enough to fix it.
///
/// Every throwing API in this module throws only `GS1Error` (typed throws), so a caller can
/// switch over the cases exhaustively. The associated values name the Application Identifier
/// and the offending value or character, because a traceability operator has to correct a
/// label or a data entry, not read a stack trace. Character positions are 1-based, counted
/// within the AI's value.
public enum GS1Error: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The input was empty (or only whitespace).
    case emptyInput

    /// A mod-10 check digit (GS1 General Specifications §7.9.1) does not match.
    case badCheckDigit(ai: String, value: String, expected: Int)

    /// The two check characters of an alphanumeric key (GMN, §7.9.5) do not match.
    case badCheckCharacters(ai: String, value: String, expected: String)

    /// A value is longer than its AI allows.
    case valueTooLong(ai: String, max: Int, actual: Int)

    /// A value is shorter than its AI requires (an empty value has `actual == 0`).
    case valueTooShort(ai: String, min: Int, actual: Int)

    /// A GTIN has a length other than 8, 12, 13 or 14 digits.
    case invalidGTINLength(actual: Int)

    /// A character is not allowed by the AI's character set (digits, or the 82-character
    /// set of §7.11). `position` is 1-based within the value.
    case invalidCharacter(ai: String, character: Character, position: Int)

    /// The data does not start with any Application Identifier known to this module.
    case unknownAI(prefix: String)

    /// A date (YYMMDD, possibly with a time) is not a calendar date, or has day 00 where
    /// the AI does not allow it.
    case invalidDate(ai: String, value: String)

    /// A value has the right length and characters but breaks a content rule of its AI
    /// (for example piece number greater than total, or a winding direction other than 0, 1, 9).
    case invalidComponent(ai: String, value: String, reason: String)

    /// The same AI occurs more than once (in an element string: with different values; in a
    /// Digital Link: at all).
    case duplicateAI(ai: String)

    /// Two AIs that the GS1 General Specifications (§4.14.1) forbid together are both present.
    case invalidPair(ai: String, with: String)

    /// An AI is present without any of the AIs it must be accompanied by (§4.14.2).
    case missingAssociatedAI(ai: String, oneOf: [String])

    /// A key qualifier (for example serial 21 or lot 10) is present without the primary key it
    /// qualifies (for example GTIN 01).
    case qualifierWithoutPrimaryKey(ai: String)

    /// No GS1 primary key (GTIN, SSCC, GLN, …) is present where one is needed.
    case missingPrimaryKey

    /// A specific AI that this operation needs is absent (for example GTIN (01) for a trace code).
    case missingAI(ai: String)

    /// A Digital Link path carries a qualifier that the primary key does not accept.
    case qualifierNotAllowed(ai: String, primaryKey: String)

    /// A Digital Link path carries a qualifier after one that it must precede.
    case qualifierOutOfOrder(ai: String, after: String)

    /// A key qualifier was put in the Digital Link query string although it belongs in the path.
    case qualifierNotInPath(ai: String)

    /// An AI that identifies something on its own (a primary key) was used as a Digital Link
    /// query-string attribute.
    case notADataAttribute(ai: String)

    /// The text is not a GS1 Digital Link URI.
    case notADigitalLink(reason: String)

    /// A `%` in a URI is not followed by two hexadecimal digits, or the decoded bytes are not UTF-8.
    case malformedPercentEncoding(text: String)

    /// The bracketed (HRI) or GS-separated syntax itself is broken.
    case malformedElementString(reason: String)

    /// The scan starts with a symbology identifier this module cannot interpret.
    case unsupportedSymbologyIdentifier(String)

    /// The resolver given for building a Digital Link is not an `http(s)://host[/path]` URI.
    case invalidResolver(String)

    /// An English sentence saying what is wrong, where, and how to fix it.
    public var description: String {
        switch self {
        case .emptyInput:
            return "The input is empty; scan or type a GS1 code."
        case let .badCheckDigit(ai, value, expected):
            let actual = GS1Error.checkDigitCharacter(ai: ai, value: value).map(String.init) ?? "?"
            return "AI (\(ai)) value \(value) has check digit \(actual), but the GS1 mod-10 check digit is \(expected); check the number for a typing or printing error."
        case let .badCheckCharacters(ai, value, expected):
            return "AI (\(ai)) value \(value) ends in \(String(value.suffix(2))), but its check character pair is \(expected); check the value for a typing or printing error."
        case let .valueTooLong(ai, max, actual):
            return "AI (\(ai)) value has \(actual) characters but at most \(max) are allowed; shorten it, or check that a GS separator was not lost before the next AI."
        case let .valueTooShort(ai, min, actual):
            if actual == 0 {
                return "AI (\(ai)) has an empty value; it needs at least \(min) characters."
            }
            return "AI (\(ai)) value has \(actual) characters but needs at least \(min); check for missing digits (a GTIN-13 must be padded with a leading 0 to 14 digits in AI (01))."
        case let .invalidGTINLength(actual):
            return "A GTIN has 8, 12, 13 or 14 digits, but this one has \(actual)."
        case let .invalidCharacter(ai, character, position):
            let shown = character.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F })
                ? "'\(character)'"
                : character.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")
            return "AI (\(ai)) value has the character \(shown) at position \(position), where \(GS1Error.allowedCharacters(ai: ai, position: position))."
        case let .unknownAI(prefix):
            return "No known GS1 Application Identifier starts the data \"\(prefix)\"; check the AI number, or a lost GS separator before it."
        case let .invalidDate(ai, value):
            let definition = ApplicationIdentifier.lookup(ai)
            var rules = "YYMMDD with month 01–12 and a day that exists in that month"
            if definition?.allowsZeroDay == true { rules += ", or day 00 for the whole month" }
            let hasTime = definition?.components.contains { component in
                component.checks.contains(.time) || component.checks.contains(.dateHour) || component.checks.contains(.minutesOptionalSeconds)
            } ?? false
            if hasTime { rules += ", then hours 00–23 and minutes 00–59" }
            return "AI (\(ai)) value \(value) is not a valid date (\(rules))."
        case let .invalidComponent(ai, value, reason):
            return "AI (\(ai)) value \(value) is invalid: \(reason)."
        case let .duplicateAI(ai):
            return "AI (\(ai)) occurs more than once; give it only once, with a single value."
        case let .invalidPair(ai, other):
            return "AI (\(ai)) must not be used together with AI (\(other)); remove one of them."
        case let .missingAssociatedAI(ai, oneOf):
            let list = oneOf.map { "(\($0))" }.joined(separator: ", ")
            return "AI (\(ai)) must be accompanied by \(oneOf.count == 1 ? "AI" : "one of the AIs") \(list), which \(oneOf.count == 1 ? "is" : "are all") missing."
        case let .qualifierWithoutPrimaryKey(ai):
            return "AI (\(ai)) qualifies a primary key (such as GTIN (01)) but no such key is present; add the key it belongs to."
        case .missingPrimaryKey:
            return "No GS1 primary key (for example GTIN (01), SSCC (00) or GLN (414)) is present."
        case let .missingAI(ai):
            return "AI (\(ai)) is required here but missing."
        case let .qualifierNotAllowed(ai, primaryKey):
            return "AI (\(ai)) is not a key qualifier of primary key (\(primaryKey)) and cannot appear in its Digital Link path; put it in the query string instead, if it is a data attribute."
        case let .qualifierOutOfOrder(ai, after):
            return "In a Digital Link path, AI (\(ai)) must come before AI (\(after)); reorder the path as primary key, then 22, 10, 21 (or the order defined for the key)."
        case let .qualifierNotInPath(ai):
            return "AI (\(ai)) is a key qualifier and must be in the Digital Link path, not in the query string."
        case let .notADataAttribute(ai):
            return "AI (\(ai)) is a primary key and cannot be a Digital Link query-string attribute."
        case let .notADigitalLink(reason):
            return "Not a GS1 Digital Link URI: \(reason)."
        case let .malformedPercentEncoding(text):
            return "The URI part \"\(text)\" has a '%' that is not followed by two hexadecimal digits, or encodes bytes that are not UTF-8; encode a literal '%' as %25."
        case let .malformedElementString(reason):
            return "Malformed GS1 element string: \(reason)."
        case let .unsupportedSymbologyIdentifier(identifier):
            return "The symbology identifier \(identifier) does not announce GS1 data (expected ]C1, ]d2, ]Q3, ]e0, ]J1, or ]E0/]E4 for a plain GTIN)."
        case let .invalidResolver(resolver):
            return "The resolver \"\(resolver)\" must look like https://host or https://host/path, without query or fragment."
        }
    }

    /// The character holding the check digit of `value`: the end of the AI's check-digit
    /// component (not always the last character, e.g. GRAI 8003 or ITIP 8006), or the last one.
    private static func checkDigitCharacter(ai: String, value: String) -> Character? {
        let characters = Array(value)
        if let definition = ApplicationIdentifier.lookup(ai) {
            var end = 0
            for component in definition.components {
                end += component.maxLength
                if component.checks.contains(.checkDigit) {
                    return end <= characters.count ? characters[end - 1] : characters.last
                }
            }
        }
        return characters.last
    }

    /// What the AI accepts at a 1-based position, in words.
    private static func allowedCharacters(ai: String, position: Int) -> String {
        var characterSet = GS1CharacterSet.cset82
        if let definition = ApplicationIdentifier.lookup(ai) {
            var end = 0
            for component in definition.components {
                end += component.maxLength
                characterSet = component.characterSet
                if position <= end { break }
            }
        }
        switch characterSet {
        case .numeric:
            return "only digits 0–9 are allowed"
        case .cset82:
            return "only the GS1 82-character set is allowed: A–Z, a–z without accents, 0–9 and !\"%&'()*+,-./:;<=>?_ (no spaces, # or @)"
        case .cset39:
            return "only A–Z, 0–9, #, - and / are allowed"
        case .cset64:
            return "only A–Z, a–z, 0–9, - and _ are allowed, with = only as trailing padding"
        }
    }
}
