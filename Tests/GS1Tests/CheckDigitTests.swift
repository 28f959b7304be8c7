@testable import GS1
import Testing

@Suite("Check digits (GS1 General Specifications §7.9)")
struct CheckDigitTests {
    /// Complete keys whose last digit is a correct mod-10 check digit.
    static let validKeys: [Case<String, Int>] = [
        Case(1, "6291041500213", 3, "GS1 GenSpecs §7.9.1 figure 7.9.1-2 worked example (payload 629104150021)"),
        Case(2, "4006381333931", 1, "EAN-13 published example (GTIN-13)"),
        Case(3, "09506000134352", 2, "GS1 Digital Link standard examples (GTIN-14)"),
        Case(4, "9506000134352", 2, "the same GTIN written as GTIN-13"),
        Case(5, "036000291452", 2, "UPC-A published example (GTIN-12)"),
        Case(6, "96385074", 4, "EAN-8 published example (GTIN-8)"),
        Case(7, "106141412345678908", 8, "GS1 Digital Link standard SSCC example"),
        Case(8, "376104250021234569", 9, "GS1 logistic label SSCC example"),
        Case(9, "9520123456788", 8, "GS1 Digital Link standard GLN example"),
        Case(10, "08938512345017", 7, "Vietnamese (893) GTIN used across this station's tests"),
        Case(11, "8935049500018", 8, "Vietnamese (893) GLN used across this station's tests"),
        Case(12, "00000000000000", 0, "all zeros: weighted sum 0 gives check digit 0"),
    ]

    @Test("Mod-10 check digit is computed and validated", arguments: validKeys)
    func validKey(_ test: Case<String, Int>) {
        #expect(CheckDigit.compute(for: test.input.dropLast()) == test.expected)
        #expect(CheckDigit.isValid(test.input))
    }

    /// Keys with a wrong check digit, and the digit that would be right.
    static let invalidKeys: [Case<String, Int>] = [
        Case(1, "629104150021", 4, "GenSpecs §7.9.1 payload read as a UPC-A: its last digit 1 is not the check digit 4"),
        Case(2, "4006381333932", 1, "EAN-13 with last digit changed"),
        Case(3, "09506000134353", 2, "GTIN-14 with last digit changed"),
        Case(4, "19506000134352", 9, "single-digit error in the indicator position is caught"),
        Case(5, "09560000134352", 4, "adjacent transposition 06→60 is caught"),
    ]

    @Test("Wrong check digits are rejected", arguments: invalidKeys)
    func invalidKey(_ test: Case<String, Int>) {
        #expect(!CheckDigit.isValid(test.input))
        #expect(CheckDigit.compute(for: test.input.dropLast()) == test.expected)
    }

    @Test("Non-digits and empty payloads have no check digit")
    func nonDigits() {
        #expect(CheckDigit.compute(for: "") == nil)
        #expect(CheckDigit.compute(for: "12A4") == nil)
        #expect(CheckDigit.compute(for: "１２３") == nil)  // full-width digits are not ASCII digits
        #expect(!CheckDigit.isValid("1"))
        #expect(!CheckDigit.isValid("123X"))
    }

    /// Alphanumeric keys with check character pairs (GMN, AI 8013).
    static let checkPairs: [Case<String, Bool>] = [
        Case(1, "1987654Ad4X4bL5ttr2310c2K", true, "GS1 GenSpecs §7.9.5 worked example"),
        Case(2, "12345678901234567890123NT", true, "GS1 Barcode Syntax Dictionary csumalpha test vector"),
        Case(3, "12345_abcdefghijklmN3", true, "GS1 Barcode Syntax Dictionary csumalpha test vector"),
        Case(4, "12345_!\"%&'()*+,-./LC", true, "punctuation of character set 82"),
        Case(5, "00000!HV", true, "GS1 Barcode Syntax Dictionary csumalpha test vector"),
        Case(6, "1987654Ad4X4bL5ttr2310cXK", false, "first check character wrong"),
        Case(7, "1987654Ad4X4bL5ttr2310c2X", false, "second check character wrong"),
    ]

    @Test("Alphanumeric check character pairs (§7.9.5)", arguments: checkPairs)
    func checkPair(_ test: Case<String, Bool>) {
        #expect(CheckDigit.hasValidCheckCharacters(test.input) == test.expected)
    }

    @Test("GMN check characters are computed from the payload")
    func computeCheckPair() {
        #expect(CheckDigit.checkCharacters(for: "1987654Ad4X4bL5ttr2310c") == "2K")
        #expect(CheckDigit.checkCharacters(for: "ABC def") == nil)  // space is not in character set 82
    }
}
