import Foundation

/// A content rule applied to one component of an AI value, beyond its length and character set.
///
/// These mirror the rules the GS1 General Specifications attach to individual AIs (§3.2 and the
/// GS1 Barcode Syntax Dictionary "linters"), so that data which is syntactically well-formed but
/// meaningless — a 31st of February, piece 3 of 2 — is refused at the station.
public enum ContentCheck: Sendable, Hashable {
    /// The component ends in a mod-10 check digit (§7.9.1).
    case checkDigit
    /// The component ends in an alphanumeric check character pair (§7.9.5).
    case checkCharacterPair
    /// A YYMMDD date (§7.12); `zeroDayAllowed` when day 00 means "the whole month" (AIs 11–17).
    case date(zeroDayAllowed: Bool)
    /// A YYMMDDHH date and hour.
    case dateHour
    /// An HHMM time of day.
    case time
    /// Minutes, optionally followed by seconds (MM or MMSS).
    case minutesOptionalSeconds
    /// Two 2-digit numbers, piece then total, with 1 ≤ piece ≤ total.
    case pieceOfTotal
    /// A single digit 0 (no) or 1 (yes).
    case yesNo
    /// The single character `-` (a negative sign for temperatures).
    case hyphen
    /// Not all zeros.
    case nonZero
    /// Exactly the digit 0.
    case zero
    /// No leading zero unless the value is exactly "0".
    case noZeroPrefix
    /// Winding direction: 0, 1 or 9.
    case winding
    /// Every `%` starts a `%XX` hexadecimal escape.
    case percentEncoding
    /// Latitude in ten digits, 0 to 1800000000 (offset by +90°, 10⁻⁷ degree units).
    case latitude
    /// Longitude in ten digits, 0 to 3600000000 (offset by +180°, 10⁻⁷ degree units).
    case longitude
    /// A list of 3-digit country codes (length a multiple of 3).
    case countryCodeList
}

/// One part of an AI's data field, e.g. the `N6` date, then the optional `N6` end date, of AI (7007).
public struct AIComponent: Sendable, Hashable, CustomStringConvertible {
    /// Characters the component may contain.
    public let characterSet: GS1CharacterSet
    /// Fewest characters (equal to `maxLength` for fixed-length components).
    public let minLength: Int
    /// Most characters.
    public let maxLength: Int
    /// Whether the component may be left out (only trailing components are optional).
    public let isOptional: Bool
    /// Content rules for this component.
    public let checks: [ContentCheck]

    /// Whether the component always has exactly `maxLength` characters.
    public var isFixedLength: Bool { minLength == maxLength }

    /// GS1 format notation, e.g. `N6`, `X..20`, `[N6]`.
    public var description: String {
        let core = isFixedLength ? "\(characterSet)\(maxLength)" : "\(characterSet)..\(maxLength)"
        return isOptional ? "[\(core)]" : core
    }

    init(_ characterSet: GS1CharacterSet, min: Int, max: Int, optional: Bool = false, checks: [ContentCheck]) {
        self.characterSet = characterSet
        self.minLength = min
        self.maxLength = max
        self.isOptional = optional
        self.checks = checks
    }

    static func n(_ length: Int, _ checks: ContentCheck...) -> AIComponent {
        AIComponent(.numeric, min: length, max: length, checks: checks)
    }
    static func n(upTo max: Int, _ checks: ContentCheck...) -> AIComponent {
        AIComponent(.numeric, min: 1, max: max, checks: checks)
    }
    static func x(_ length: Int, _ checks: ContentCheck...) -> AIComponent {
        AIComponent(.cset82, min: length, max: length, checks: checks)
    }
    static func x(upTo max: Int, _ checks: ContentCheck...) -> AIComponent {
        AIComponent(.cset82, min: 1, max: max, checks: checks)
    }
    static func y(upTo max: Int) -> AIComponent {
        AIComponent(.cset39, min: 1, max: max, checks: [])
    }
    static func z(upTo max: Int) -> AIComponent {
        AIComponent(.cset64, min: 1, max: max, checks: [])
    }
    var optional: AIComponent {
        AIComponent(characterSet, min: minLength, max: maxLength, optional: true, checks: checks)
    }
}

/// A GS1 Application Identifier and the rules for its value (GS1 General Specifications §3.2).
///
/// The table (``all``) is the single source of truth for parsing, validating and building element
/// strings and Digital Links, so every entry carries length, character set, check digit, date rules,
/// whether a separator is needed after it, the AIs it requires or excludes (§4.14), and its role in
/// a GS1 Digital Link.
public struct ApplicationIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// The AI number, 2 to 4 digits, e.g. `"01"`, `"7007"`.
    public let code: String
    /// The GS1 data title, e.g. `"BATCH/LOT"`.
    public let title: String
    /// The components of the data field, in order.
    public let components: [AIComponent]
    /// Each inner list is a requirement satisfied by any one AI (or pattern, `n` = any digit) in it (§4.14.2).
    public let requires: [[String]]
    /// AIs (or patterns) that must not occur together with this one (§4.14.1).
    public let excludes: [String]
    /// If this AI is a GS1 Digital Link primary key: its allowed qualifier sequences, each in path order.
    /// `nil` if it is not a primary key; `[[]]` if it is one without qualifiers.
    public let digitalLinkQualifiers: [[String]]?
    /// The deprecated GS1 Digital Link 1.x convenience short name (`gtin`, `lot`, `ser`, …), accepted on parsing.
    public let shortName: String?

    /// Total fewest characters of the value.
    public var minLength: Int { components.filter { !$0.isOptional }.reduce(0) { $0 + $1.minLength } }
    /// Total most characters of the value.
    public var maxLength: Int { components.reduce(0) { $0 + $1.maxLength } }
    /// Whether the value always has the same length.
    public var isFixedLength: Bool { minLength == maxLength }
    /// Whether the value (or one of its components) ends in a mod-10 check digit.
    public var hasCheckDigit: Bool { components.contains { $0.checks.contains(.checkDigit) } }
    /// Whether the value starts with a YYMMDD date.
    public var isDate: Bool {
        guard let first = components.first?.checks else { return false }
        return first.contains(.date(zeroDayAllowed: true)) || first.contains(.date(zeroDayAllowed: false)) || first.contains(.dateHour)
    }
    /// Whether day 00 ("whole month") is accepted in the date (AIs 11–17, 4324, 4325).
    public var allowsZeroDay: Bool { components.first?.checks.contains(.date(zeroDayAllowed: true)) ?? false }
    /// The GS1 format notation of the value, e.g. `N6 [N6]`.
    public var format: String { components.map(\.description).joined(separator: " ") }

    /// Whether this AI is in the table of predefined-length element strings (§7.8.5, figure 7.8.5-2),
    /// so that no FNC1/GS separator is needed after it.
    ///
    /// Only this table counts: a fixed-length AI outside it (e.g. 422, 7003, 8005) still needs a separator.
    public var isPredefinedLength: Bool {
        ApplicationIdentifier.predefinedLengthTable[String(code.prefix(2))] != nil
    }

    /// Whether this AI is a GS1 Digital Link primary key.
    public var isDigitalLinkPrimaryKey: Bool { digitalLinkQualifiers != nil }

    /// `(AI) TITLE format`, for logs and diagnostics.
    public var description: String { "(\(code)) \(title) \(format)" }

    /// The table of predefined-length element strings (GS1 General Specifications §7.8.5, figure
    /// 7.8.5-2): first two digits of the AI → length of AI plus value.
    ///
    /// The table is fixed forever so that old scanners keep working; it includes prefixes with no
    /// AI assigned (03, 04, 18, 19). Prefix 23, listed in some old editions, is absent from current
    /// editions and AI 235 (X..28) needs a separator, so it is not included here.
    public static let predefinedLengthTable: [String: Int] = [
        "00": 20, "01": 16, "02": 16, "03": 16, "04": 18,
        "11": 8, "12": 8, "13": 8, "14": 8, "15": 8, "16": 8, "17": 8, "18": 8, "19": 8,
        "20": 4,
        "31": 10, "32": 10, "33": 10, "34": 10, "35": 10, "36": 10,
        "41": 16,
    ]

    /// Every AI this module knows, in AI order.
    public static var all: [ApplicationIdentifier] { AITable.entries }

    /// The AI with exactly this number, if known.
    public static func lookup(_ code: String) -> ApplicationIdentifier? {
        AITable.byCode[code]
    }

    /// The AI whose number starts `data`, if any (GS1 AIs are prefix-free, so at most one matches).
    public static func identify<S: StringProtocol>(prefixOf data: S) -> ApplicationIdentifier? {
        var code = ""
        for character in data.prefix(4) {
            guard character.isASCII, character.isNumber else { return nil }
            code.append(character)
            if code.count >= 2, let ai = AITable.byCode[code] { return ai }
        }
        return nil
    }

    /// The AI for a Digital Link path or query key: an AI number or a convenience short name.
    static func forDigitalLinkKey(_ key: String) -> ApplicationIdentifier? {
        AITable.byCode[key] ?? AITable.byShortName[key]
    }

    /// Whether `code` matches `pattern`, where `n` in the pattern stands for any digit.
    static func code(_ code: String, matches pattern: String) -> Bool {
        guard code.count == pattern.count else { return false }
        return zip(code, pattern).allSatisfy { c, p in p == "n" ? c.isNumber : c == p }
    }

    init(_ code: String, _ title: String, _ components: [AIComponent],
         requires: [[String]] = [], excludes: [String] = [],
         dl: [[String]]? = nil, shortName: String? = nil) {
        self.code = code
        self.title = title
        self.components = components
        self.requires = requires
        self.excludes = excludes
        self.digitalLinkQualifiers = dl
        self.shortName = shortName
    }

    // MARK: - Validation

    /// Checks `value` against this AI's length, character set and content rules.
    ///
    /// Errors are reported in that order, so that the first error is the most basic one
    /// (a value of the wrong length is not also reported as a bad date).
    public func validate(_ value: String) throws(GS1Error) {
        let scalars = Array(value.unicodeScalars)
        if scalars.count > maxLength {
            throw .valueTooLong(ai: code, max: maxLength, actual: scalars.count)
        }
        if scalars.count < minLength {
            throw .valueTooShort(ai: code, min: minLength, actual: scalars.count)
        }
        // Split into components; only the last present component may be variable in length.
        var parts: [(AIComponent, ArraySlice<Unicode.Scalar>, Int)] = []
        var offset = 0
        for component in components {
            let remaining = scalars.count - offset
            if remaining == 0 && component.isOptional { break }
            let take: Int
            if component.isFixedLength {
                guard remaining >= component.maxLength else {
                    throw .valueTooShort(ai: code, min: offset + component.maxLength, actual: scalars.count)
                }
                take = component.maxLength
            } else {
                take = Swift.min(remaining, component.maxLength)
            }
            parts.append((component, scalars[offset..<(offset + take)], offset))
            offset += take
        }
        if offset < scalars.count {
            throw .valueTooLong(ai: code, max: offset, actual: scalars.count)
        }
        for (component, slice, start) in parts {
            for (index, scalar) in slice.enumerated() where !component.characterSet.contains(scalar) {
                throw .invalidCharacter(ai: code, character: Character(scalar), position: start + index + 1)
            }
            if component.characterSet == .cset64, let firstPad = slice.firstIndex(of: "=") {
                let padding = slice[firstPad...]
                if padding.count > 2 || padding.contains(where: { $0 != "=" }) {
                    throw .invalidCharacter(ai: code, character: "=", position: firstPad + 1)
                }
            }
        }
        for (component, slice, _) in parts {
            let text = String(String.UnicodeScalarView(slice))
            for check in component.checks {
                try apply(check, to: text, whole: value)
            }
        }
    }

    private func apply(_ check: ContentCheck, to part: String, whole value: String) throws(GS1Error) {
        let digits = part.unicodeScalars.compactMap(CheckDigit.asciiDigit)
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + $1 } }
        switch check {
        case .checkDigit:
            guard let expected = CheckDigit.compute(for: part.dropLast()), let actual = digits.last else {
                throw .invalidComponent(ai: code, value: value, reason: "it has no check digit")
            }
            if expected != actual {
                throw .badCheckDigit(ai: code, value: value, expected: expected)
            }
        case .checkCharacterPair:
            let pairOK = part.count >= 2 && part.suffix(2).unicodeScalars.allSatisfy { scalar in
                CheckDigit.checkCharacterSet.contains(Character(scalar))
            }
            guard pairOK, let expected = CheckDigit.checkCharacters(for: part.dropLast(2)) else {
                throw .invalidComponent(ai: code, value: value, reason: "it must end in two check characters from 2-9 and A-Z without I and O")
            }
            if String(part.suffix(2)) != expected {
                throw .badCheckCharacters(ai: code, value: value, expected: expected)
            }
        case let .date(zeroDayAllowed):
            if !GS1Date.isValid(yymmdd: part, zeroDayAllowed: zeroDayAllowed) {
                throw .invalidDate(ai: code, value: value)
            }
        case .dateHour:
            if !GS1Date.isValid(yymmdd: String(part.prefix(6)), zeroDayAllowed: false) || number(6..<8) > 23 {
                throw .invalidDate(ai: code, value: value)
            }
        case .time:
            if number(0..<2) > 23 || number(2..<4) > 59 {
                throw .invalidDate(ai: code, value: value)
            }
        case .minutesOptionalSeconds:
            guard digits.count == 2 || digits.count == 4 else {
                throw .invalidComponent(ai: code, value: value, reason: "the time after the hour must be MM or MMSS")
            }
            if number(0..<2) > 59 || (digits.count == 4 && number(2..<4) > 59) {
                throw .invalidDate(ai: code, value: value)
            }
        case .pieceOfTotal:
            let piece = number(0..<2), total = number(2..<4)
            if piece == 0 || total == 0 || piece > total {
                throw .invalidComponent(ai: code, value: value, reason: "piece number \(piece) of total \(total) must satisfy 1 ≤ piece ≤ total")
            }
        case .yesNo:
            if part != "0" && part != "1" {
                throw .invalidComponent(ai: code, value: value, reason: "it must be 0 (no) or 1 (yes)")
            }
        case .hyphen:
            if part != "-" {
                throw .invalidComponent(ai: code, value: value, reason: "the optional last character may only be '-' (negative)")
            }
        case .nonZero:
            if digits.allSatisfy({ $0 == 0 }) {
                throw .invalidComponent(ai: code, value: value, reason: "the component \(part) must not be zero")
            }
        case .zero:
            if part != "0" {
                throw .invalidComponent(ai: code, value: value, reason: "it must start with the filler digit 0")
            }
        case .noZeroPrefix:
            if part.count > 1 && part.hasPrefix("0") {
                throw .invalidComponent(ai: code, value: value, reason: "it must not have a leading zero")
            }
        case .winding:
            if part != "0" && part != "1" && part != "9" {
                throw .invalidComponent(ai: code, value: value, reason: "the winding direction must be 0, 1 or 9")
            }
        case .percentEncoding:
            if PercentEncoding.decode(part, plusAsSpace: false) == nil {
                throw .invalidComponent(ai: code, value: value, reason: "every '%' must start a %XX hexadecimal escape")
            }
        case .latitude:
            if number(0..<10) > 1_800_000_000 {
                throw .invalidComponent(ai: code, value: value, reason: "the latitude must be at most 1800000000")
            }
        case .longitude:
            if number(0..<10) > 3_600_000_000 {
                throw .invalidComponent(ai: code, value: value, reason: "the longitude must be at most 3600000000")
            }
        case .countryCodeList:
            if digits.count % 3 != 0 {
                throw .invalidComponent(ai: code, value: value, reason: "it must be a list of 3-digit country codes")
            }
        }
    }
}
