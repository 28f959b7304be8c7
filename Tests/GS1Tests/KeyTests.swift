@testable import GS1
import Foundation
import Testing

@Suite("GTIN, GLN and SSCC")
struct KeyTests {
    /// Valid GTINs in every length, their 14-digit form and natural format.
    static let gtins: [Case<String, (String, GTIN.Format)>] = [
        Case(1, "96385074", ("00000096385074", .gtin8), "GTIN-8 (EAN-8) padded with six zeros, GenSpecs §3.3.2"),
        Case(2, "036000291452", ("00036000291452", .gtin12), "GTIN-12 (UPC-A) padded with two zeros"),
        Case(3, "4006381333931", ("04006381333931", .gtin13), "GTIN-13 (EAN-13) padded with one zero"),
        Case(4, "09506000134352", ("09506000134352", .gtin13), "GS1 Digital Link standard example: a GTIN-13 in 14-digit form"),
        Case(5, "8938512345017", ("08938512345017", .gtin13), "Vietnamese GTIN-13"),
        Case(6, "18938512345014", ("18938512345014", .gtin14), "GTIN-14 with indicator digit 1 (case level)"),
        Case(7, "00000096385074", ("00000096385074", .gtin8), "a GTIN-8 given in 14-digit form is still a GTIN-8"),
    ]

    @Test("GTINs normalise to 14 digits", arguments: gtins)
    func gtinNormalises(_ test: Case<String, (String, GTIN.Format)>) throws {
        let gtin = try GTIN(test.input)
        #expect(gtin.gtin14 == test.expected.0)
        #expect(gtin.format == test.expected.1)
        #expect(gtin.shortForm.count == test.expected.1.rawValue)
        #expect(try GTIN(gtin.shortForm) == gtin)
    }

    @Test("Different spellings of one GTIN are equal and hash alike")
    func gtinEquality() throws {
        let short = try GTIN("4006381333931")
        let long = try GTIN("04006381333931")
        #expect(short == long)
        #expect(Set([short, long]).count == 1)
        #expect(short.gtin13 == "4006381333931")
        #expect(try GTIN("18938512345014").gtin13 == nil)
    }

    @Test("GS1 prefixes, Vietnam (893) and restricted circulation")
    func prefixes() throws {
        let vietnamese = try GTIN("8938512345017")
        #expect(vietnamese.gs1Prefix == "893")
        #expect(vietnamese.isVietnamese)
        #expect(vietnamese.indicatorDigit == 0)
        #expect(vietnamese.checkDigit == 7)
        #expect(try GTIN("18938512345014").isVietnamese)  // indicator digit does not hide the prefix
        #expect(try GTIN("18938512345014").indicatorDigit == 1)
        #expect(try !GTIN("4006381333931").isVietnamese)
        #expect(try GTIN("4006381333931").gs1Prefix == "400")
        #expect(try GTIN("036000291452").gs1Prefix == "003")
        #expect(try GTIN("96385074").gs1Prefix == "963")  // GS1-8 prefix
        #expect(try GTIN(payload: "200123456789").isRestrictedCirculation)
        #expect(try !GTIN("8938512345017").isRestrictedCirculation)
    }

    @Test("A GTIN is allocated from its payload by computing the check digit")
    func gtinFromPayload() throws {
        #expect(try GTIN(payload: "893851234501").gtin14 == "08938512345017")
        #expect(try GTIN(payload: "629104150021").gtin14 == "06291041500213")  // GenSpecs §7.9.1 example
        #expect(try GTIN(payload: "89385123450").format == .gtin12)
        #expect(thrownError { try GTIN(payload: "8938512345") } == .invalidGTINLength(actual: 11))
    }

    @Test("GTIN errors say what is wrong")
    func gtinErrors() {
        #expect(thrownError { try GTIN("4006381333932") } == .badCheckDigit(ai: "01", value: "4006381333932", expected: 1))
        #expect(thrownError { try GTIN("629104150021") } == .badCheckDigit(ai: "01", value: "629104150021", expected: 4))
        #expect(thrownError { try GTIN("40063813339") } == .invalidGTINLength(actual: 11))
        #expect(thrownError { try GTIN("") } == .invalidGTINLength(actual: 0))
        #expect(thrownError { try GTIN("400638133393O") } == .invalidCharacter(ai: "01", character: "O", position: 13))
    }

    @Test("GLN and SSCC validate length and check digit")
    func glnAndSSCC() throws {
        let gln = try GLN("8935049500018")
        #expect(gln.isVietnamese)
        #expect(gln.gs1Prefix == "893")
        #expect(thrownError { try GLN("8935049500015") } == .badCheckDigit(ai: "414", value: "8935049500015", expected: 8))
        #expect(thrownError { try GLN("893504950001") } == .valueTooShort(ai: "414", min: 13, actual: 12))

        let sscc = try SSCC("106141412345678908")
        #expect(sscc.extensionDigit == 1)
        #expect(sscc.gs1Prefix == "061")
        #expect(try SSCC(payload: "38935049500000001").digits == "389350495000000019")
        #expect(try SSCC(payload: "38935049500000001").isVietnamese)
        #expect(thrownError { try SSCC("106141412345678907") } == .badCheckDigit(ai: "00", value: "106141412345678907", expected: 8))
        #expect(thrownError { try SSCC("1061414123456789080") } == .valueTooLong(ai: "00", max: 18, actual: 19))
    }

    @Test("Keys encode as JSON strings and refuse invalid ones when decoding")
    func codable() throws {
        let data = try JSONEncoder().encode([try GTIN("8938512345017")])
        #expect(String(decoding: data, as: UTF8.self) == "[\"08938512345017\"]")
        #expect(try JSONDecoder().decode([GTIN].self, from: data) == [try GTIN("08938512345017")])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([GTIN].self, from: Data("[\"08938512345018\"]".utf8))
        }
    }
}
