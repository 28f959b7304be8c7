@testable import GS1
import Foundation
import Testing

@Suite("TraceCode: any GS1 form in, one validated value out")
struct TraceCodeTests {
    struct Expected: Sendable {
        let form: TraceCode.Form
        let gtin: String
        let lot: String?
        let serial: String?
        let expiry: String?
    }

    static let forms: [Case<String, Expected>] = [
        Case(1, "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=180426",
             Expected(form: .digitalLink, gtin: "09506000134352", lot: "ABC123", serial: "12345", expiry: "2018-04-26"), "Digital Link"),
        Case(2, "]Q1https://truyxuat.example.vn/01/08938512345017/10/L1", Expected(form: .digitalLink, gtin: "08938512345017", lot: "L1", serial: nil, expiry: nil),
             "Digital Link in a plain QR Code with symbology identifier"),
        Case(3, "]d2" + "0108938512345017" + "17260331" + "10MD250314A" + GS + "21S-0001",
             Expected(form: .elementString, gtin: "08938512345017", lot: "MD250314A", serial: "S-0001", expiry: "2026-03-31"), "GS1 DataMatrix"),
        Case(4, "0108938512345017" + "17260300" + "10L7",
             Expected(form: .elementString, gtin: "08938512345017", lot: "L7", serial: nil, expiry: "2026-03"), "expiry to the month (day 00)"),
        Case(5, "(01)08938512345017(10)MD250314A", Expected(form: .bracketedElementString, gtin: "08938512345017", lot: "MD250314A", serial: nil, expiry: nil),
             "bracketed text typed by an operator"),
        Case(6, "8938512345017", Expected(form: .plainGTIN, gtin: "08938512345017", lot: nil, serial: nil, expiry: nil), "EAN-13 barcode"),
        Case(7, "]E08938512345017", Expected(form: .plainGTIN, gtin: "08938512345017", lot: nil, serial: nil, expiry: nil), "EAN-13 with symbology identifier"),
        Case(8, "96385074", Expected(form: .plainGTIN, gtin: "00000096385074", lot: nil, serial: nil, expiry: nil), "EAN-8"),
        Case(9, "036000291452", Expected(form: .plainGTIN, gtin: "00036000291452", lot: nil, serial: nil, expiry: nil), "UPC-A"),
        Case(10, "18938512345014", Expected(form: .plainGTIN, gtin: "18938512345014", lot: nil, serial: nil, expiry: nil), "ITF-14 case code"),
        Case(11, "0108938512345017", Expected(form: .elementString, gtin: "08938512345017", lot: nil, serial: nil, expiry: nil),
             "16 digits: an element string, not a GTIN"),
    ]

    @Test("Every form is recognised and decoded", arguments: forms)
    func parse(_ test: Case<String, Expected>) throws {
        let code = try TraceCode(parsing: test.input, referenceYear: 2025)
        #expect(code.sourceForm == test.expected.form)
        #expect(code.gtin.gtin14 == test.expected.gtin)
        #expect(code.lot == test.expected.lot)
        #expect(code.serial == test.expected.serial)
        #expect(code.expiry?.description == test.expected.expiry)
    }

    @Test("Dates, other elements and the Digital Link source are kept")
    func details() throws {
        let code = try TraceCode(parsing: "https://truyxuat.example.vn/dl/01/08938512345017/10/L1?11=250314&15=260300&7007=250301&utm=qr",
                                 referenceYear: 2025)
        #expect(code.productionDate == GS1Date(year: 2025, month: 3, day: 14))
        #expect(code.bestBefore?.day == nil)
        #expect(code.bestBefore?.lastDay == 31)
        #expect(pairs(code.otherElements) == [["7007", "250301"]])
        #expect(code.sourceDigitalLink?.resolver == "https://truyxuat.example.vn/dl")
        #expect(code.sourceDigitalLink?.otherParameters == [.init(name: "utm", value: "qr")])
        #expect(code.gtin.isVietnamese)
    }

    @Test("A trace code built in code encodes to every form")
    func build() throws {
        let code = try TraceCode(gtin: try GTIN("8938512345017"), lot: "MD250314A", serial: "0001",
                                 expiry: GS1Date(year: 2026, month: 3, day: 31),
                                 otherElements: [try GS1Element(ai: "422", value: "704")])
        #expect(code.sourceForm == nil)
        #expect(code.bracketed == "(01)08938512345017(17)260331(10)MD250314A(21)0001(422)704")
        #expect(code.elementString == "0108938512345017" + "17260331" + "10MD250314A" + GS + "210001" + GS + "422704")
        #expect(try code.digitalLink().uri == "https://id.gs1.org/01/08938512345017/10/MD250314A/21/0001?17=260331&422=704")
        let reread = try TraceCode(parsing: code.elementString, referenceYear: 2025)
        #expect(reread.lot == code.lot && reread.serial == code.serial && reread.expiry == code.expiry)
        #expect(pairs(reread.otherElements) == pairs(code.otherElements))
    }

    @Test("Building validates every part")
    func buildErrors() throws {
        let gtin = try GTIN("8938512345017")
        #expect(thrownError { try TraceCode(gtin: gtin, lot: String(repeating: "L", count: 21)) } == .valueTooLong(ai: "10", max: 20, actual: 21))
        #expect(thrownError { try TraceCode(gtin: gtin, serial: "Số 1") } == .invalidCharacter(ai: "21", character: "ố", position: 2))
        #expect(thrownError { try TraceCode(gtin: gtin, lot: "A", otherElements: [try GS1Element(ai: "10", value: "B")]) } == .duplicateAI(ai: "10"))
        #expect(try TraceCode(gtin: gtin, otherElements: [try GS1Element(ai: "10", value: "B")]).lot == "B")
        #expect(try TraceCode(gtin: gtin, otherElements: [try GS1Element(ai: "10", value: "B")]).otherElements.isEmpty)
        #expect(thrownError { try TraceCode(gtin: gtin, otherElements: [try GS1Element(ai: "254", value: "X")]) }
                == .qualifierWithoutPrimaryKey(ai: "254"))
    }

    /// §7.12: a 2-digit year lies within 49 years back or 50 years ahead of the reference year.
    static let centuries: [Case<[Int], Int>] = [
        Case(1, [25, 2025], 2025, "same year"),
        Case(2, [75, 2025], 2075, "difference 50: still the current century"),
        Case(3, [76, 2025], 1976, "difference 51: previous century"),
        Case(4, [0, 2025], 2000, "difference −25"),
        Case(5, [99, 2051], 2099, "difference 48 after 2050"),
        Case(6, [0, 2051], 2100, "difference −51 after 2050: next century"),
        Case(7, [1, 2099], 2101, "difference −98: next century"),
        Case(8, [49, 2099], 2149, "difference −50: next century"),
    ]

    @Test("Two-digit years resolve to a century (§7.12)", arguments: centuries)
    func century(_ test: Case<[Int], Int>) {
        #expect(GS1Date.resolveCentury(yy: test.input[0], referenceYear: test.input[1]) == test.expected)
    }

    @Test("GS1 dates compare and print as ISO 8601")
    func dates() throws {
        let monthOnly = try #require(GS1Date(yymmdd: "260200", referenceYear: 2025))
        #expect(monthOnly.description == "2026-02")
        #expect(monthOnly.lastDay == 28)
        #expect(monthOnly.yymmdd == "260200")
        let day = try #require(GS1Date(yymmdd: "260227", referenceYear: 2025))
        #expect(day < monthOnly)
        #expect(GS1Date(yymmdd: "260200", zeroDayAllowed: false) == nil)
        #expect(GS1Date(year: 2026, month: 2, day: 29) == nil)
        let hanoi = try #require(TimeZone(secondsFromGMT: 7 * 3600))  // Vietnam: UTC+7, no daylight saving
        let start = try #require(day.date(in: hanoi))
        #expect(start.timeIntervalSince1970 == 1_772_125_200)  // 2026-02-27 00:00 +07:00
    }
}
