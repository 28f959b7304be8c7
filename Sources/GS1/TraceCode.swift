import Foundation

/// What a traceability station needs from one scanned or typed product code: the GTIN, its lot,
/// serial and dates, and any other GS1 elements.
///
/// Operators and scanners hand the station every GS1 form — a Digital Link from a QR code, a GS1
/// DataMatrix element string with GS separators, the bracketed text under a label, or a bare
/// EAN-13 — and ``init(parsing:referenceYear:checkingAssociations:)`` accepts all of them and
/// records which one it was, so downstream code works with one validated value.
public struct TraceCode: Sendable, Hashable {
    /// The form a code was read from.
    public enum Form: String, Sendable, Hashable, CaseIterable {
        /// A GS1 Digital Link URI.
        case digitalLink
        /// An element string as scanners transmit it (GS separators, optional symbology identifier).
        case elementString
        /// The bracketed human-readable form `(01)…(10)…`.
        case bracketedElementString
        /// A bare GTIN-8, -12, -13 or -14 (a linear barcode, or typed in).
        case plainGTIN
    }

    /// The trade item (AI 01).
    public let gtin: GTIN
    /// Batch or lot number (AI 10).
    public let lot: String?
    /// Serial number (AI 21).
    public let serial: String?
    /// Expiry, "use by" date (AI 17).
    public let expiry: GS1Date?
    /// Production date (AI 11).
    public let productionDate: GS1Date?
    /// Best-before date (AI 15).
    public let bestBefore: GS1Date?
    /// Every other element, in the order read.
    public let otherElements: [GS1Element]
    /// The form this code was parsed from; `nil` when it was built in code.
    public let sourceForm: Form?
    /// The Digital Link it was parsed from, kept so its resolver and extra parameters are not lost.
    public let sourceDigitalLink: DigitalLink?

    /// Builds a trace code from its parts, validating each as its AI requires.
    ///
    /// `otherElements` may also carry AI 10, 11, 15, 17 or 21 instead of the named parameter (the
    /// value then shows up in the named property); giving one both ways with different values
    /// throws ``GS1Error/duplicateAI(ai:)``. The AI association rules (§4.14) are applied.
    public init(gtin: GTIN, lot: String? = nil, serial: String? = nil, expiry: GS1Date? = nil,
                productionDate: GS1Date? = nil, bestBefore: GS1Date? = nil,
                otherElements: [GS1Element] = []) throws(GS1Error) {
        var elements = [try GS1Element(ai: "01", value: gtin.gtin14)]
        if let productionDate { elements.append(try GS1Element(ai: "11", value: productionDate.yymmdd)) }
        if let bestBefore { elements.append(try GS1Element(ai: "15", value: bestBefore.yymmdd)) }
        if let expiry { elements.append(try GS1Element(ai: "17", value: expiry.yymmdd)) }
        if let lot { elements.append(try GS1Element(ai: "10", value: lot)) }
        if let serial { elements.append(try GS1Element(ai: "21", value: serial)) }
        let message = try GS1Message(elements + otherElements)
        let year = GS1Date.currentYear
        func date(_ ai: String) -> GS1Date? {
            message[ai].flatMap { GS1Date(yymmdd: $0, zeroDayAllowed: true, referenceYear: year) }
        }
        self.gtin = try GTIN(message["01"] ?? gtin.gtin14)
        self.lot = message["10"]
        self.serial = message["21"]
        self.expiry = expiry ?? date("17")
        self.productionDate = productionDate ?? date("11")
        self.bestBefore = bestBefore ?? date("15")
        self.otherElements = message.elements.filter { !TraceCode.namedAIs.contains($0.ai) }
        self.sourceForm = nil
        self.sourceDigitalLink = nil
    }

    /// AIs that have their own property.
    private static let namedAIs: Set<String> = ["01", "10", "21", "17", "11", "15"]

    /// Reads a GS1 Digital Link, an element string (GS-separated or bracketed, with or without a
    /// symbology identifier), or a plain GTIN-8/12/13/14, and records which form it was.
    ///
    /// - Parameters:
    ///   - referenceYear: the year two-digit dates are resolved against (§7.12); the current
    ///     year by default.
    ///   - checkingAssociations: apply the AI association rules of §4.14.
    /// - Throws: ``GS1Error/missingAI(ai:)`` with `"01"` if the data has no GTIN (for example an
    ///   SSCC label), or the first error in the data.
    public init(parsing text: String, referenceYear: Int = GS1Date.currentYear,
                checkingAssociations: Bool = true) throws(GS1Error) {
        try self.init(scanned: try ScannedGS1(parsing: text, checkingAssociations: checkingAssociations), referenceYear: referenceYear)
    }

    /// The trace data of text already read as GS1 data (the form it was in is kept). Throws
    /// ``GS1Error/missingAI(ai:)`` with `"01"` when it has no GTIN.
    public init(scanned: ScannedGS1, referenceYear: Int = GS1Date.currentYear) throws(GS1Error) {
        try self.init(message: scanned.message, form: scanned.form, digitalLink: scanned.digitalLink, referenceYear: referenceYear)
    }

    /// Takes the trace data out of an already parsed message.
    public init(message: GS1Message, referenceYear: Int = GS1Date.currentYear) throws(GS1Error) {
        try self.init(message: message, form: nil, digitalLink: nil, referenceYear: referenceYear)
    }

    private init(message: GS1Message, form: Form?, digitalLink: DigitalLink?, referenceYear: Int) throws(GS1Error) {
        guard let gtinValue = message["01"] else { throw .missingAI(ai: "01") }
        func date(_ ai: String) -> GS1Date? {
            message[ai].flatMap { GS1Date(yymmdd: $0, zeroDayAllowed: true, referenceYear: referenceYear) }
        }
        self.gtin = try GTIN(gtinValue)
        self.lot = message["10"]
        self.serial = message["21"]
        self.expiry = date("17")
        self.productionDate = date("11")
        self.bestBefore = date("15")
        self.otherElements = message.elements.filter { !TraceCode.namedAIs.contains($0.ai) }
        self.sourceForm = form
        self.sourceDigitalLink = digitalLink
    }

    /// All elements: GTIN, dates, other predefined-length AIs, lot, serial, then the rest — the
    /// order that needs the fewest GS separators with the usual lot and serial.
    public var message: GS1Message {
        var elements: [GS1Element] = []
        func add(_ ai: String, _ value: String?) {
            if let value, let element = try? GS1Element(ai: ai, value: value) { elements.append(element) }
        }
        add("01", gtin.gtin14)
        add("11", productionDate?.yymmdd)
        add("15", bestBefore?.yymmdd)
        add("17", expiry?.yymmdd)
        elements += otherElements.filter { $0.definition.isPredefinedLength }
        add("10", lot)
        add("21", serial)
        elements += otherElements.filter { !$0.definition.isPredefinedLength }
        return GS1Message(validated: elements)
    }

    /// The element string for a GS1 DataMatrix or GS1-128 encoder (GS separators).
    public var elementString: String { message.elementString() }

    /// The bracketed human-readable text, e.g. `(01)08938512345017(17)260331(10)MD250314A`.
    public var bracketed: String { message.bracketed }

    /// The GS1 Digital Link for a QR code under `resolver`.
    public func digitalLink(resolver: String = DigitalLink.canonicalResolver) throws(GS1Error) -> DigitalLink {
        try DigitalLink(message, resolver: resolver)
    }
}

/// Scanned or typed text read as GS1 data, whatever its primary key: a Digital Link, an element
/// string (GS-separated or bracketed, with or without a symbology identifier) or a plain GTIN.
/// ``TraceCode`` builds on it for trade items; codes with another key (a GIAI on a province's
/// pre-printed stamp, an SSCC) are read with it directly.
public struct ScannedGS1: Sendable, Hashable {
    /// The validated elements.
    public let message: GS1Message
    /// The form the text was in.
    public let form: TraceCode.Form
    /// The Digital Link, when the text was one.
    public let digitalLink: DigitalLink?

    public init(parsing text: String, checkingAssociations: Bool = true) throws(GS1Error) {
        let trimmed = GS1Message.trimLineEndings(text)
        guard !trimmed.isEmpty else { throw .emptyInput }
        var body = Substring(trimmed)
        var symbology: SymbologyIdentifier.Kind?
        if body.hasPrefix("]") {
            let (kind, rest) = try SymbologyIdentifier.split(body)
            symbology = kind
            body = rest
        }
        let lowered = body.prefix(8).lowercased()
        let isDigits = !body.isEmpty && body.unicodeScalars.allSatisfy { CheckDigit.asciiDigit($0) != nil }

        if symbology == .gtin || (symbology == nil && isDigits && GTIN.Format(rawValue: body.count) != nil) {
            let gtin = try GTIN(String(body))
            message = GS1Message(validated: [try GS1Element(ai: "01", value: gtin.gtin14)])
            form = .plainGTIN
            digitalLink = nil
        } else if symbology != .gs1 && (lowered.hasPrefix("https://") || lowered.hasPrefix("http://")) {
            let link = try DigitalLink(parsing: String(body), checkingAssociations: checkingAssociations)
            message = link.message
            form = .digitalLink
            digitalLink = link
        } else if symbology == .plain {
            throw .notADigitalLink(reason: "data after a non-GS1 symbology identifier must be a GS1 Digital Link URI")
        } else if body.hasPrefix("(") && symbology == nil {
            message = try GS1Message(parsing: String(body), checkingAssociations: checkingAssociations)
            form = .bracketedElementString
            digitalLink = nil
        } else {
            message = try GS1Message(try GS1Message.parseElementString(body), checkingAssociations: checkingAssociations)
            form = .elementString
            digitalLink = nil
        }
    }
}
