@testable import GS1
import Testing

@Suite("Application Identifier table (GS1 General Specifications §3.2)")
struct ApplicationIdentifierTests {
    /// Expected rules per AI: format notation, predefined length (§7.8.5 figure 7.8.5-2),
    /// check digit, date.
    struct Rule: Sendable {
        let format: String
        let predefined: Bool
        let checkDigit: Bool
        let date: Bool
    }

    static let rules: [Case<String, Rule>] = [
        Case(1, "00", Rule(format: "N18", predefined: true, checkDigit: true, date: false), "§3.3.1 SSCC"),
        Case(2, "01", Rule(format: "N14", predefined: true, checkDigit: true, date: false), "§3.3.2 GTIN"),
        Case(3, "02", Rule(format: "N14", predefined: true, checkDigit: true, date: false), "§3.3.3 CONTENT"),
        Case(4, "10", Rule(format: "X..20", predefined: false, checkDigit: false, date: false), "§3.4.1 BATCH/LOT"),
        Case(5, "11", Rule(format: "N6", predefined: true, checkDigit: false, date: true), "§3.4.2 PROD DATE"),
        Case(6, "13", Rule(format: "N6", predefined: true, checkDigit: false, date: true), "§3.4.4 PACK DATE"),
        Case(7, "15", Rule(format: "N6", predefined: true, checkDigit: false, date: true), "§3.4.5 BEST BEFORE"),
        Case(8, "17", Rule(format: "N6", predefined: true, checkDigit: false, date: true), "§3.4.7 USE BY or EXPIRY"),
        Case(9, "21", Rule(format: "X..20", predefined: false, checkDigit: false, date: false), "§3.5.2 SERIAL"),
        Case(10, "22", Rule(format: "X..20", predefined: false, checkDigit: false, date: false), "§3.2 table: CPV"),
        Case(11, "30", Rule(format: "N..8", predefined: false, checkDigit: false, date: false), "§3.2 table: VAR. COUNT"),
        Case(12, "3103", Rule(format: "N6", predefined: true, checkDigit: false, date: false), "§3.2 table: NET WEIGHT (kg), 3 decimals"),
        Case(13, "37", Rule(format: "N..8", predefined: false, checkDigit: false, date: false), "§3.2 table: COUNT"),
        Case(14, "240", Rule(format: "X..30", predefined: false, checkDigit: false, date: false), "§3.2 table: ADDITIONAL ID"),
        Case(15, "241", Rule(format: "X..30", predefined: false, checkDigit: false, date: false), "§3.2 table: CUST. PART No."),
        Case(16, "250", Rule(format: "X..30", predefined: false, checkDigit: false, date: false), "§3.2 table: SECONDARY SERIAL"),
        Case(17, "254", Rule(format: "X..20", predefined: false, checkDigit: false, date: false), "§3.2 table: GLN EXTENSION"),
        Case(18, "400", Rule(format: "X..30", predefined: false, checkDigit: false, date: false), "§3.2 table: ORDER NUMBER"),
        Case(19, "410", Rule(format: "N13", predefined: true, checkDigit: true, date: false), "§3.2 table: SHIP TO LOC"),
        Case(20, "414", Rule(format: "N13", predefined: true, checkDigit: true, date: false), "§3.2 table: LOC No. (GLN)"),
        Case(21, "422", Rule(format: "N3", predefined: false, checkDigit: false, date: false), "§3.2 table: ORIGIN: fixed length but not in figure 7.8.5-2"),
        Case(22, "7003", Rule(format: "N6 N4", predefined: false, checkDigit: false, date: true), "§3.2 table: EXPIRY TIME"),
        Case(23, "7007", Rule(format: "N6 [N6]", predefined: false, checkDigit: false, date: true), "§3.2 table: HARVEST DATE, single date or range"),
        Case(24, "8003", Rule(format: "N1 N13 [X..16]", predefined: false, checkDigit: true, date: false), "§3.2 table: GRAI"),
        Case(25, "8006", Rule(format: "N14 N4", predefined: false, checkDigit: true, date: false), "§3.2 table: ITIP"),
        Case(26, "8200", Rule(format: "X..70", predefined: false, checkDigit: false, date: false), "§3.2 table: PRODUCT URL"),
        Case(27, "235", Rule(format: "X..28", predefined: false, checkDigit: false, date: false), "§3.2 table: TPX: 23 is not a predefined-length prefix"),
    ]

    @Test("Each AI carries its GS1 rules", arguments: rules)
    func aiRules(_ test: Case<String, Rule>) throws {
        let ai = try #require(ApplicationIdentifier.lookup(test.input))
        #expect(ai.format == test.expected.format)
        #expect(ai.isPredefinedLength == test.expected.predefined)
        #expect(ai.hasCheckDigit == test.expected.checkDigit)
        #expect(ai.isDate == test.expected.date)
    }

    @Test("Predefined-length AIs match figure 7.8.5-2 exactly")
    func predefinedLengthTable() {
        for ai in ApplicationIdentifier.all where ai.isPredefinedLength {
            let total = ApplicationIdentifier.predefinedLengthTable[String(ai.code.prefix(2))]
            #expect(ai.isFixedLength, "AI \(ai.code) is in the predefined-length table but has variable length")
            #expect(ai.code.count + ai.maxLength == total, "AI \(ai.code): \(ai.code.count)+\(ai.maxLength) ≠ \(total ?? -1)")
        }
        #expect(ApplicationIdentifier.predefinedLengthTable["23"] == nil)
        #expect(ApplicationIdentifier.predefinedLengthTable.count == 22)
    }

    @Test("AI numbers are prefix-free and their length follows from the first two digits")
    func prefixFree() {
        let codes = ApplicationIdentifier.all.map(\.code)
        for code in codes {
            #expect((2...4).contains(code.count) && code.allSatisfy(\.isNumber))
            for other in codes where other != code {
                #expect(!other.hasPrefix(code), "AI \(code) is a prefix of AI \(other)")
            }
        }
        let byPrefix = Dictionary(grouping: codes, by: { String($0.prefix(2)) })
        for (prefix, group) in byPrefix {
            #expect(Set(group.map(\.count)).count == 1, "AIs starting \(prefix) differ in length")
        }
    }

    @Test("Association rules only name AIs (or patterns) that exist")
    func associationsReferToKnownAIs() {
        for ai in ApplicationIdentifier.all {
            for pattern in ai.requires.flatMap({ $0 }) + ai.excludes {
                #expect(ApplicationIdentifier.all.contains { ApplicationIdentifier.code($0.code, matches: pattern) },
                        "AI \(ai.code) refers to unknown AI \(pattern)")
            }
            for sequence in ai.digitalLinkQualifiers ?? [] {
                for qualifier in sequence {
                    #expect(ApplicationIdentifier.lookup(qualifier) != nil, "AI \(ai.code) has unknown qualifier \(qualifier)")
                }
            }
        }
    }

    @Test("AIs are identified from the start of concatenated data")
    func identify() {
        #expect(ApplicationIdentifier.identify(prefixOf: "0109506000134352")?.code == "01")
        #expect(ApplicationIdentifier.identify(prefixOf: "7007250301")?.code == "7007")
        #expect(ApplicationIdentifier.identify(prefixOf: "254KHO")?.code == "254")
        #expect(ApplicationIdentifier.identify(prefixOf: "23ABC") == nil)
        #expect(ApplicationIdentifier.identify(prefixOf: "x01") == nil)
    }

    /// Values checked directly against one AI: nil means valid.
    static let values: [Case<[String], GS1Error?>] = [
        Case(1, ["17", "250200"], nil, "§3.4.7: day 00 means the whole month for expiry"),
        Case(2, ["11", "240229"], nil, "leap day 2024"),
        Case(3, ["11", "250229"], .invalidDate(ai: "11", value: "250229"), "2025 is not a leap year"),
        Case(4, ["7006", "250300"], .invalidDate(ai: "7006", value: "250300"), "first freeze date does not allow day 00"),
        Case(5, ["7007", "250301250315"], nil, "harvest date range"),
        Case(6, ["7007", "250301250"], .valueTooShort(ai: "7007", min: 12, actual: 9), "a started end date must be complete"),
        Case(7, ["7003", "2503142460"], .invalidDate(ai: "7003", value: "2503142460"), "hour 24 does not exist"),
        Case(8, ["8008", "25031415"], nil, "production time to the hour"),
        Case(9, ["8008", "250314153"], .invalidComponent(ai: "8008", value: "250314153", reason: "the time after the hour must be MM or MMSS"), "minutes need two digits"),
        Case(10, ["8006", "095060001343520203"], nil, "ITIP piece 2 of 3"),
        Case(11, ["8006", "095060001343520302"], .invalidComponent(ai: "8006", value: "095060001343520302", reason: "piece number 3 of total 2 must satisfy 1 ≤ piece ≤ total"), "piece 3 of 2"),
        Case(12, ["8013", "1987654Ad4X4bL5ttr2310c2K"], nil, "GMN GenSpecs example"),
        Case(13, ["8013", "1987654Ad4X4bL5ttr2310c2X"], .badCheckCharacters(ai: "8013", value: "1987654Ad4X4bL5ttr2310c2X", expected: "2K"), "GMN wrong check character"),
        Case(14, ["4331", "000450-"], nil, "minimum temperature −4.50 °C"),
        Case(15, ["4331", "000450+"], .invalidComponent(ai: "4331", value: "000450+", reason: "the optional last character may only be '-' (negative)"), "only '-' may follow"),
        Case(16, ["8010", "0614141#AB"], nil, "CPID uses character set 39, which has '#'"),
        Case(17, ["8010", "0614141ab"], .invalidCharacter(ai: "8010", character: "a", position: 8), "character set 39 has no lower case"),
        Case(18, ["8003", "1952012345678900"], .invalidComponent(ai: "8003", value: "1952012345678900", reason: "it must start with the filler digit 0"), "GRAI starts with 0"),
        Case(19, ["8030", "TWFu=="], nil, "base64url signature with padding"),
        Case(20, ["8030", "TW=Fu"], .invalidCharacter(ai: "8030", character: "=", position: 3), "padding only at the end"),
        Case(21, ["4300", "Hanoi%2C VN"], .invalidCharacter(ai: "4300", character: " ", position: 9), "space is outside character set 82"),
        Case(22, ["4300", "Hanoi%2"], .invalidComponent(ai: "4300", value: "Hanoi%2", reason: "every '%' must start a %XX hexadecimal escape"), "broken escape"),
        Case(23, ["8011", "0123"], .invalidComponent(ai: "8011", value: "0123", reason: "it must not have a leading zero"), "CPID serial without leading zero"),
        Case(24, ["4321", "2"], .invalidComponent(ai: "4321", value: "2", reason: "it must be 0 (no) or 1 (yes)"), "dangerous goods flag"),
        Case(25, ["423", "7047"], .invalidComponent(ai: "423", value: "7047", reason: "it must be a list of 3-digit country codes"), "country list"),
    ]

    @Test("Values are checked against their AI's content rules", arguments: values)
    func valueRules(_ test: Case<[String], GS1Error?>) throws {
        let ai = try #require(ApplicationIdentifier.lookup(test.input[0]))
        #expect(thrownError { try ai.validate(test.input[1]) } == test.expected)
    }
}
