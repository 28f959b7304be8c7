@testable import GS1
import Testing

/// Which entry point a malformed input is fed to.
enum Entry: String, Sendable {
    case message, digitalLink, traceCode, gtin

    func parse(_ text: String) throws {
        switch self {
        case .message: _ = try GS1Message(parsing: text)
        case .digitalLink: _ = try DigitalLink(parsing: text)
        case .traceCode: _ = try TraceCode(parsing: text, referenceYear: 2025)
        case .gtin: _ = try GTIN(text)
        }
    }
}

struct Malformed: Sendable, CustomStringConvertible {
    let entry: Entry
    let text: String
    init(_ entry: Entry, _ text: String) {
        self.entry = entry
        self.text = text
    }
    var description: String { "\(entry.rawValue): \(text)" }
}

@Suite("Malformed input produces the exact typed error")
struct MalformedInputTests {
    static let cases: [Case<Malformed, GS1Error>] = [
        Case(1, Malformed(.traceCode, ""), .emptyInput, "nothing scanned"),
        Case(2, Malformed(.traceCode, " \r\n"), .emptyInput, "only a line ending"),
        Case(3, Malformed(.message, "(01)09506000134353"), .badCheckDigit(ai: "01", value: "09506000134353", expected: 2),
             "GenSpecs §7.9.1: check digit 3 should be 2"),
        Case(4, Malformed(.message, "(01)8934588012228"), .valueTooShort(ai: "01", min: 14, actual: 13),
             "§3.3.2: a GTIN-13 must be padded to 14 digits in AI (01)"),
        Case(5, Malformed(.message, "(01)09506000134352(10)ABCDEFGHIJKLMNOPQRSTUVW"), .valueTooLong(ai: "10", max: 20, actual: 23),
             "§3.4.1: lot is X..20"),
        Case(6, Malformed(.message, "0109506000134352" + "10ABCDEFGHIJKLMNOPQR21XYZ"), .valueTooLong(ai: "10", max: 20, actual: 23),
             "§7.8.5: a lost GS after the lot swallows the serial"),
        Case(7, Malformed(.message, "(01)09506000134352(10)AB#C"), .invalidCharacter(ai: "10", character: "#", position: 3),
             "§7.11 figure 7.11-1: '#' is not in character set 82"),
        Case(8, Malformed(.message, "(01)09506000134352(10)Lô7"), .invalidCharacter(ai: "10", character: "ô", position: 2),
             "§7.11: Vietnamese diacritics are not encodable"),
        Case(9, Malformed(.message, "(01)09506000134352(17)251301"), .invalidDate(ai: "17", value: "251301"), "§7.12: month 13"),
        Case(10, Malformed(.message, "(01)09506000134352(17)250230"), .invalidDate(ai: "17", value: "250230"), "§7.12: 30 February"),
        Case(11, Malformed(.message, "(01)09506000134352(15)250431"), .invalidDate(ai: "15", value: "250431"), "§7.12: 31 April"),
        Case(12, Malformed(.message, "0109506000134352" + GS + "23ABC"), .unknownAI(prefix: "23AB"), "§3.2: no AI starts with 23A"),
        Case(13, Malformed(.message, "(01)09506000134352(999)X"), .unknownAI(prefix: "999"), "§3.2: 999 is not an AI (99 is)"),
        Case(14, Malformed(.message, "(21)12345"), .qualifierWithoutPrimaryKey(ai: "21"), "§4.14.2: serial requires GTIN (01) or ITIP (8006)"),
        Case(15, Malformed(.message, "(01)09506000134352(254)X"), .qualifierWithoutPrimaryKey(ai: "254"), "§4.14.2: 254 requires GLN (414)"),
        Case(16, Malformed(.message, "(01)09506000134352(02)09506000134352(37)1"), .invalidPair(ai: "01", with: "02"),
             "§4.14.1: 01 and 02 are an invalid pair"),
        Case(17, Malformed(.message, "(01)09506000134352(21)S(235)T"), .invalidPair(ai: "21", with: "235"), "§4.14.1: 21 and 235 are exclusive"),
        Case(18, Malformed(.message, "(00)106141412345678908(37)5"), .missingAssociatedAI(ai: "37", oneOf: ["02", "8026"]),
             "§4.14.2: a count needs the contained GTIN (02) or ITIP (8026)"),
        Case(19, Malformed(.message, "(01)09506000134352(10)L1(10)L2"), .duplicateAI(ai: "10"), "one lot per item"),
        Case(20, Malformed(.message, "(01)09506000134352(10ABC"),
             .malformedElementString(reason: "\"(10ABC\" looks like an AI without its closing \")\"; write \\( for a literal parenthesis"),
             "bracket not closed"),
        Case(21, Malformed(.message, "01095060001343"), .valueTooShort(ai: "01", min: 14, actual: 12), "truncated scan"),
        Case(22, Malformed(.message, "]E04006381333931"), .unsupportedSymbologyIdentifier("]E0"), "an EAN-13 is not an element string"),
        Case(23, Malformed(.traceCode, "]X0ABC"), .unsupportedSymbologyIdentifier("]X0"), "unknown symbology identifier"),
        Case(24, Malformed(.message, "(01)09506000134352(7007)250301250"), .valueTooShort(ai: "7007", min: 12, actual: 9),
             "§3.2: harvest date is N6 or N12"),
        Case(25, Malformed(.message, "(01)09506000134352(10)"), .valueTooShort(ai: "10", min: 1, actual: 0), "empty lot"),
        Case(26, Malformed(.gtin, "4006381333932"), .badCheckDigit(ai: "01", value: "4006381333932", expected: 1), "§7.9.1"),
        Case(27, Malformed(.gtin, "40063813339"), .invalidGTINLength(actual: 11), "§3.3.2: 8, 12, 13 or 14 digits"),
        Case(28, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134353"), .badCheckDigit(ai: "01", value: "09506000134353", expected: 2),
             "check digit in a Digital Link"),
        Case(29, Malformed(.digitalLink, "https://example.com/products/123"), .missingPrimaryKey, "an ordinary web address"),
        Case(30, Malformed(.digitalLink, "https://example.com/21/12345"), .qualifierWithoutPrimaryKey(ai: "21"), "serial without GTIN"),
        Case(31, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352/21/12345/10/ABC"), .qualifierOutOfOrder(ai: "10", after: "21"),
             "Digital Link: qualifiers of 01 in order 22, 10, 21"),
        Case(32, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352/17/260331"), .qualifierNotAllowed(ai: "17", primaryKey: "01"),
             "a data attribute in the path"),
        Case(33, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352/21/1/235/T"), .invalidPair(ai: "235", with: "21"),
             "Digital Link: 22,10,21 and 235 are alternative qualifier sequences"),
        Case(34, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352?10=ABC"), .qualifierNotInPath(ai: "10"),
             "a key qualifier belongs in the path"),
        Case(35, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352?17=180426&17=180427"), .duplicateAI(ai: "17"),
             "an attribute given twice"),
        Case(36, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352?99999=1"), .unknownAI(prefix: "99999"),
             "all-digit query names are reserved for AIs"),
        Case(37, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352/21/A%2"), .malformedPercentEncoding(text: "A%2"),
             "RFC 3986: '%' needs two hex digits"),
        Case(38, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352/21/A%ZZ"), .malformedPercentEncoding(text: "A%ZZ"),
             "RFC 3986: '%' needs two hex digits"),
        Case(39, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352/21/%C3%B4"), .invalidCharacter(ai: "21", character: "ô", position: 1),
             "decoded UTF-8, but not character set 82"),
        Case(40, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352/21/%FF"), .malformedPercentEncoding(text: "%FF"),
             "the bytes are not UTF-8"),
        Case(41, Malformed(.digitalLink, "ftp://id.gs1.org/01/09506000134352"), .notADigitalLink(reason: "the scheme is \"ftp\", not http or https"),
             "Digital Link is http(s) only"),
        Case(42, Malformed(.digitalLink, "https:///01/09506000134352"), .notADigitalLink(reason: "it has no host name"), "no host"),
        Case(43, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352/21/A B"),
             .notADigitalLink(reason: "it contains a space at position 42, which must be percent-encoded in a URI"), "raw space"),
        Case(44, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352?00=106141412345678908"), .notADataAttribute(ai: "00"),
             "an SSCC cannot be an attribute of a GTIN"),
        Case(45, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352/10"),
             .notADigitalLink(reason: "the path after the primary key (01) must be AI/value pairs, and \"/01/09506000134352/10\" is not"),
             "qualifier without value"),
        Case(46, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352/21/%23A"), .invalidCharacter(ai: "21", character: "#", position: 1),
             "'#' is not in character set 82 even when percent-encoded"),
        Case(47, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352?17="), .valueTooShort(ai: "17", min: 6, actual: 0), "empty date"),
        Case(48, Malformed(.traceCode, "(00)106141412345678908"), .missingAI(ai: "01"), "an SSCC label is not a trade item"),
        Case(49, Malformed(.digitalLink, "https://user@id.gs1.org/01/09506000134352"),
             .notADigitalLink(reason: "the host \"user@id.gs1.org\" contains '@'"), "user info is not allowed"),
        Case(50, Malformed(.traceCode, "]Q1hello"),
             .notADigitalLink(reason: "data after a non-GS1 symbology identifier must be a GS1 Digital Link URI"), "plain QR text"),
        Case(51, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352/10/A/10/B"), .duplicateAI(ai: "10"), "qualifier twice"),
        Case(52, Malformed(.digitalLink, "https://id.gs1.org/01/09506000134352/10/L?21=1"), .qualifierNotInPath(ai: "21"),
             "serial after a lot belongs in the path"),
        Case(53, Malformed(.message, "(01)09506000134352(8013)1987654Ad4X4bL5ttr2310c2X"),
             .badCheckCharacters(ai: "8013", value: "1987654Ad4X4bL5ttr2310c2X", expected: "2K"), "§7.9.5 GMN check pair"),
        Case(54, Malformed(.message, "(01)09506000134352(8006)095060001343520203"),
             .invalidPair(ai: "8006", with: "01"), "§4.14.1: ITIP excludes GTIN"),
        Case(55, Malformed(.traceCode, "8934588012221"), .badCheckDigit(ai: "01", value: "8934588012221", expected: 8),
             "plain EAN-13 with a wrong check digit"),
        Case(56, Malformed(.message, "(01)09506000134352(11)250200(7006)250300"), .invalidDate(ai: "7006", value: "250300"),
             "day 00 is allowed for 11–17 but not for 7006"),
    ]

    @Test("Each malformed input is rejected with its exact error", arguments: cases)
    func malformed(_ test: Case<Malformed, GS1Error>) {
        let error = thrownError { try test.input.entry.parse(test.input.text) }
        #expect(error == test.expected)
    }

    @Test("Every error explains itself in a sentence naming the AI")
    func descriptions() {
        for test in MalformedInputTests.cases {
            let text = test.expected.description
            #expect(text.count > 30, "#\(test.number): \(text)")
            #expect(text.last == "." || text.last == ")", "#\(test.number): \(text)")
            switch test.expected {
            case let .badCheckDigit(ai, _, _), let .valueTooLong(ai, _, _), let .valueTooShort(ai, _, _),
                 let .invalidCharacter(ai, _, _), let .invalidDate(ai, _), let .duplicateAI(ai),
                 let .qualifierWithoutPrimaryKey(ai), let .qualifierNotInPath(ai), let .notADataAttribute(ai):
                #expect(text.contains("(\(ai))"), "#\(test.number): \(text)")
            default:
                break
            }
        }
    }

    @Test("Error messages carry the specifics")
    func specificMessages() {
        #expect(GS1Error.badCheckDigit(ai: "01", value: "09506000134353", expected: 2).description
                == "AI (01) value 09506000134353 has check digit 3, but the GS1 mod-10 check digit is 2; check the number for a typing or printing error.")
        #expect(GS1Error.valueTooLong(ai: "10", max: 20, actual: 23).description
                == "AI (10) value has 23 characters but at most 20 are allowed; shorten it, or check that a GS separator was not lost before the next AI.")
        #expect(GS1Error.invalidCharacter(ai: "10", character: "\u{1D}", position: 4).description.contains("U+1D at position 4"))
        #expect(GS1Error.invalidCharacter(ai: "01", character: "O", position: 13).description.contains("only digits 0–9"))
        #expect(GS1Error.invalidCharacter(ai: "10", character: "#", position: 3).description.contains("no spaces, # or @"))
        // GRAI: the check digit is the 14th character, before the serial, not the last one.
        #expect(GS1Error.badCheckDigit(ai: "8003", value: "09520123456780ABC", expected: 8).description.contains("has check digit 0,"))
        #expect(GS1Error.invalidDate(ai: "17", value: "251301").description.contains("day 00 for the whole month"))
        #expect(!GS1Error.invalidDate(ai: "7006", value: "250300").description.contains("day 00"))
        #expect(GS1Error.missingAssociatedAI(ai: "37", oneOf: ["02", "8026"]).description
                == "AI (37) must be accompanied by one of the AIs (02), (8026), which are all missing.")
    }
}
