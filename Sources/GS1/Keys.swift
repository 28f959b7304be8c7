/// A Global Trade Item Number (GTIN-8, -12, -13 or -14), held in its 14-digit form.
///
/// Barcodes and partners use all four lengths for the same item, while AI (01), EPCIS and GS1
/// Digital Link use 14 digits; keeping only ``gtin14`` makes two spellings of one GTIN compare equal.
public struct GTIN: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The GTIN formats, by the length the number is normally written in.
    public enum Format: Int, Sendable, Hashable, CaseIterable {
        case gtin8 = 8, gtin12 = 12, gtin13 = 13, gtin14 = 14
    }

    /// The GS1 Prefix allocated to GS1 Vietnam in the GS1 Prefix table.
    public static let vietnamPrefix = "893"

    /// The 14-digit form, left-padded with zeros (GS1 General Specifications §3.3.2).
    public let gtin14: String

    /// Parses 8, 12, 13 or 14 digits and verifies the check digit.
    public init(_ digits: String) throws(GS1Error) {
        let scalars = Array(digits.unicodeScalars)
        if let index = scalars.firstIndex(where: { CheckDigit.asciiDigit($0) == nil }) {
            throw .invalidCharacter(ai: "01", character: Character(scalars[index]), position: index + 1)
        }
        guard Format(rawValue: scalars.count) != nil else {
            throw .invalidGTINLength(actual: scalars.count)
        }
        let padded = String(repeating: "0", count: 14 - scalars.count) + digits
        guard let expected = CheckDigit.compute(for: padded.dropLast()) else {
            throw .invalidGTINLength(actual: scalars.count)
        }
        guard CheckDigit.isValid(padded) else {
            throw .badCheckDigit(ai: "01", value: digits, expected: expected)
        }
        self.gtin14 = padded
    }

    /// Builds a GTIN from its digits without the check digit (7, 11, 12 or 13 digits), computing
    /// the check digit — for allocating new numbers from a company prefix.
    public init(payload: String) throws(GS1Error) {
        let scalars = Array(payload.unicodeScalars)
        if let index = scalars.firstIndex(where: { CheckDigit.asciiDigit($0) == nil }) {
            throw .invalidCharacter(ai: "01", character: Character(scalars[index]), position: index + 1)
        }
        guard Format(rawValue: scalars.count + 1) != nil, let check = CheckDigit.compute(for: payload) else {
            throw .invalidGTINLength(actual: scalars.count + 1)
        }
        try self.init(payload + String(check))
    }

    /// The shortest standard format that represents this GTIN (a GTIN-14 with leading zeros is
    /// really a GTIN-13, -12 or -8 padded for AI (01)).
    public var format: Format {
        if gtin14.hasPrefix("000000") { return .gtin8 }
        if gtin14.hasPrefix("00") { return .gtin12 }
        if gtin14.hasPrefix("0") { return .gtin13 }
        return .gtin14
    }

    /// The number written in its own ``format``: 8, 12, 13 or 14 digits.
    public var shortForm: String { String(gtin14.suffix(format.rawValue)) }

    /// The GTIN-13 form (for EAN-13 barcodes), if the GTIN fits in 13 digits.
    public var gtin13: String? { gtin14.hasPrefix("0") ? String(gtin14.dropFirst()) : nil }

    /// The check digit.
    public var checkDigit: Int { CheckDigit.asciiDigit(gtin14.unicodeScalars.last!)! }

    /// The GTIN-14 indicator digit (packaging level); 0 for GTIN-8/12/13.
    public var indicatorDigit: Int { CheckDigit.asciiDigit(gtin14.unicodeScalars.first!)! }

    /// The three-digit GS1 Prefix: the GS1 Member Organisation (or special range) that issued
    /// the number. For GTIN-8 it is the GS1-8 Prefix, the first three of its eight digits.
    public var gs1Prefix: String {
        if format == .gtin8 { return String(gtin14.dropFirst(6).prefix(3)) }
        return String(gtin14.dropFirst().prefix(3))
    }

    /// Whether GS1 Vietnam issued the number (GS1 Prefix 893). This says who allocated the
    /// company prefix, not where the product was made.
    public var isVietnamese: Bool { gs1Prefix == GTIN.vietnamPrefix }

    /// Whether the number is for restricted circulation (GS1 Prefixes 020–029, 040–049, 200–299;
    /// GS1-8 Prefixes 0 and 2 for GTIN-8) — valid only inside one company or region, never for
    /// trade between partners.
    public var isRestrictedCirculation: Bool {
        let prefix = gs1Prefix
        if format == .gtin8 { return prefix.hasPrefix("0") || prefix.hasPrefix("2") }
        return prefix.hasPrefix("02") || prefix.hasPrefix("04") || prefix.hasPrefix("2")
    }

    /// The 14-digit form.
    public var description: String { gtin14 }

    /// Orders by digits, for stable sorting in lists and reports.
    public static func < (lhs: GTIN, rhs: GTIN) -> Bool { lhs.gtin14 < rhs.gtin14 }

    /// Decodes from a JSON string and validates it, so stored data with a bad check digit is refused.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do throws(GS1Error) {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as a plain JSON string of digits.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(gtin14)
    }
}

/// A Global Location Number (13 digits with check digit): a party or place such as a farm, a
/// packing house or this station (AIs 410–417).
public struct GLN: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The 13 digits.
    public let digits: String

    /// Parses 13 digits and verifies the check digit (reported against AI (414)).
    public init(_ digits: String) throws(GS1Error) {
        try NumericKey.validate(digits, length: 13, ai: "414")
        self.digits = digits
    }

    /// The three-digit GS1 Prefix of the issuing Member Organisation.
    public var gs1Prefix: String { String(digits.prefix(3)) }

    /// Whether GS1 Vietnam issued the number (GS1 Prefix 893).
    public var isVietnamese: Bool { gs1Prefix == GTIN.vietnamPrefix }

    /// The digits.
    public var description: String { digits }

    /// Orders by digits, for stable sorting in lists and reports.
    public static func < (lhs: GLN, rhs: GLN) -> Bool { lhs.digits < rhs.digits }

    /// Decodes from a JSON string and validates it, so stored data with a bad check digit is refused.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do throws(GS1Error) {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as a plain JSON string of digits.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}

/// A Serial Shipping Container Code (18 digits with check digit, AI 00): one pallet, carton or
/// other logistic unit.
public struct SSCC: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The 18 digits.
    public let digits: String

    /// Parses 18 digits and verifies the check digit.
    public init(_ digits: String) throws(GS1Error) {
        try NumericKey.validate(digits, length: 18, ai: "00")
        self.digits = digits
    }

    /// Builds an SSCC from its 17 digits without the check digit (extension digit, company
    /// prefix, serial reference), computing the check digit.
    public init(payload: String) throws(GS1Error) {
        let scalars = Array(payload.unicodeScalars)
        if let index = scalars.firstIndex(where: { CheckDigit.asciiDigit($0) == nil }) {
            throw .invalidCharacter(ai: "00", character: Character(scalars[index]), position: index + 1)
        }
        guard scalars.count == 17, let check = CheckDigit.compute(for: payload) else {
            throw scalars.count > 17
                ? .valueTooLong(ai: "00", max: 18, actual: scalars.count + 1)
                : .valueTooShort(ai: "00", min: 18, actual: scalars.count + 1)
        }
        try self.init(payload + String(check))
    }

    /// The extension digit, chosen freely by the company to enlarge the serial range.
    public var extensionDigit: Int { CheckDigit.asciiDigit(digits.unicodeScalars.first!)! }

    /// The three-digit GS1 Prefix (after the extension digit).
    public var gs1Prefix: String { String(digits.dropFirst().prefix(3)) }

    /// Whether GS1 Vietnam issued the company prefix (GS1 Prefix 893).
    public var isVietnamese: Bool { gs1Prefix == GTIN.vietnamPrefix }

    /// The digits.
    public var description: String { digits }

    /// Orders by digits, for stable sorting in lists and reports.
    public static func < (lhs: SSCC, rhs: SSCC) -> Bool { lhs.digits < rhs.digits }

    /// Decodes from a JSON string and validates it, so stored data with a bad check digit is refused.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do throws(GS1Error) {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as a plain JSON string of digits.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}

/// Shared validation of fixed-length numeric keys.
enum NumericKey {
    static func validate(_ digits: String, length: Int, ai: String) throws(GS1Error) {
        let scalars = Array(digits.unicodeScalars)
        if let index = scalars.firstIndex(where: { CheckDigit.asciiDigit($0) == nil }) {
            throw .invalidCharacter(ai: ai, character: Character(scalars[index]), position: index + 1)
        }
        if scalars.count > length { throw .valueTooLong(ai: ai, max: length, actual: scalars.count) }
        if scalars.count < length { throw .valueTooShort(ai: ai, min: length, actual: scalars.count) }
        guard let expected = CheckDigit.compute(for: digits.dropLast()) else {
            throw .valueTooShort(ai: ai, min: length, actual: scalars.count)
        }
        if !CheckDigit.isValid(digits) {
            throw .badCheckDigit(ai: ai, value: digits, expected: expected)
        }
    }
}
