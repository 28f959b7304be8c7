/// A CBV 2.0 vocabulary term (business step, disposition, ...).
///
/// Standard terms are held as the bare words EPCIS 2.0 JSON-LD uses (`commissioning`); a
/// company-specific term is held as its full URI. Both URN (`urn:epcglobal:cbv:bizstep:…`) and
/// web-URI (`https://ref.gs1.org/cbv/BizStep-…`) spellings of standard terms are folded to the
/// bare word, so equal terms compare equal and hash alike.
public protocol CBVTerm: RawRepresentable<String>, Sendable, Hashable, CustomStringConvertible {
    /// The GS1 web vocabulary prefix, e.g. `https://ref.gs1.org/cbv/BizStep-`.
    static var webURIPrefix: String { get }
    /// The legacy URN prefix, e.g. `urn:epcglobal:cbv:bizstep:`.
    static var urnPrefix: String { get }
    /// Every bare word CBV 2.0 defines for this vocabulary.
    static var standardWords: Set<String> { get }
}

extension CBVTerm {
    /// The stored form of `rawValue`, or `nil` if it is not acceptable.
    ///
    /// Accepts a CBV 2.0 bare word, its URN or web URI (folded to the bare word), or any other
    /// absolute URI as a company-specific term. Rejects unknown bare words, which are almost
    /// always typos (`comissioning`) rather than intended private vocabulary, and unknown words
    /// inside GS1's own URN/URI spaces.
    static func normalize(_ rawValue: String) -> String? {
        if standardWords.contains(rawValue) { return rawValue }
        for prefix in [urnPrefix, webURIPrefix] where rawValue.hasPrefix(prefix) {
            let word = String(rawValue.dropFirst(prefix.count))
            return standardWords.contains(word) ? word : nil
        }
        return URISyntax.isAbsoluteURI(rawValue) ? rawValue : nil
    }

    /// Whether this is one of the CBV 2.0 standard terms.
    public var isStandard: Bool { Self.standardWords.contains(rawValue) }

    /// The full URI: the GS1 web URI for standard terms, the term itself otherwise.
    public var uri: String { isStandard ? Self.webURIPrefix + rawValue : rawValue }

    /// The raw value.
    public var description: String { rawValue }
}

/// The business process step of an event (CBV 2.0 §7.2).
public struct BizStep: CBVTerm {
    /// The bare CBV word for a standard term, the full URI otherwise.
    public let rawValue: String
    /// Validates and normalises; see ``CBVTerm``.
    public init?(rawValue: String) {
        guard let normalized = Self.normalize(rawValue) else { return nil }
        self.rawValue = normalized
    }
    private init(standard word: String) { rawValue = word }
    public static let webURIPrefix = "https://ref.gs1.org/cbv/BizStep-"
    public static let urnPrefix = "urn:epcglobal:cbv:bizstep:"
    public static let standardWords: Set<String> = [
        "accepting", "arriving", "assembling", "collecting", "commissioning", "consigning",
        "creating_class_instance", "cycle_counting", "decommissioning", "departing", "destroying",
        "disassembling", "dispensing", "encoding", "entering_exiting", "holding", "inspecting",
        "installing", "killing", "loading", "other", "packing", "picking", "receiving", "removing",
        "repackaging", "repairing", "replacing", "reserving", "retail_selling", "sampling",
        "sensor_reporting", "shipping", "staging_outbound", "stock_taking", "stocking", "storing",
        "transporting", "unloading", "unpacking", "void_shipping",
    ]

    public static let accepting = BizStep(standard: "accepting")
    public static let arriving = BizStep(standard: "arriving")
    public static let assembling = BizStep(standard: "assembling")
    public static let collecting = BizStep(standard: "collecting")
    public static let commissioning = BizStep(standard: "commissioning")
    public static let consigning = BizStep(standard: "consigning")
    public static let creatingClassInstance = BizStep(standard: "creating_class_instance")
    public static let cycleCounting = BizStep(standard: "cycle_counting")
    public static let decommissioning = BizStep(standard: "decommissioning")
    public static let departing = BizStep(standard: "departing")
    public static let destroying = BizStep(standard: "destroying")
    public static let disassembling = BizStep(standard: "disassembling")
    public static let dispensing = BizStep(standard: "dispensing")
    public static let encoding = BizStep(standard: "encoding")
    public static let enteringExiting = BizStep(standard: "entering_exiting")
    public static let holding = BizStep(standard: "holding")
    public static let inspecting = BizStep(standard: "inspecting")
    public static let installing = BizStep(standard: "installing")
    public static let killing = BizStep(standard: "killing")
    public static let loading = BizStep(standard: "loading")
    public static let other = BizStep(standard: "other")
    public static let packing = BizStep(standard: "packing")
    public static let picking = BizStep(standard: "picking")
    public static let receiving = BizStep(standard: "receiving")
    public static let removing = BizStep(standard: "removing")
    public static let repackaging = BizStep(standard: "repackaging")
    public static let repairing = BizStep(standard: "repairing")
    public static let replacing = BizStep(standard: "replacing")
    public static let reserving = BizStep(standard: "reserving")
    public static let retailSelling = BizStep(standard: "retail_selling")
    public static let sampling = BizStep(standard: "sampling")
    public static let sensorReporting = BizStep(standard: "sensor_reporting")
    public static let shipping = BizStep(standard: "shipping")
    public static let stagingOutbound = BizStep(standard: "staging_outbound")
    public static let stockTaking = BizStep(standard: "stock_taking")
    public static let stocking = BizStep(standard: "stocking")
    public static let storing = BizStep(standard: "storing")
    public static let transporting = BizStep(standard: "transporting")
    public static let unloading = BizStep(standard: "unloading")
    public static let unpacking = BizStep(standard: "unpacking")
    public static let voidShipping = BizStep(standard: "void_shipping")
}

/// The business state of the objects after the event (CBV 2.0 §7.3).
public struct Disposition: CBVTerm {
    /// The bare CBV word for a standard term, the full URI otherwise.
    public let rawValue: String
    /// Validates and normalises; see ``CBVTerm``.
    public init?(rawValue: String) {
        guard let normalized = Self.normalize(rawValue) else { return nil }
        self.rawValue = normalized
    }
    private init(standard word: String) { rawValue = word }
    public static let webURIPrefix = "https://ref.gs1.org/cbv/Disp-"
    public static let urnPrefix = "urn:epcglobal:cbv:disp:"
    public static let standardWords: Set<String> = [
        "active", "available", "completeness_verified", "completeness_inferred", "conformant",
        "container_closed", "container_open", "damaged", "destroyed", "dispensed", "disposed",
        "encoded", "expired", "in_progress", "in_transit", "inactive", "mismatch_instance",
        "mismatch_class", "mismatch_quantity", "needs_replacement", "no_pedigree_match",
        "non_conformant", "non_sellable_other", "partially_dispensed", "recalled", "reserved",
        "retail_sold", "returned", "sellable_accessible", "sellable_not_accessible", "stolen",
        "unavailable", "unknown",
    ]

    public static let active = Disposition(standard: "active")
    public static let available = Disposition(standard: "available")
    public static let completenessVerified = Disposition(standard: "completeness_verified")
    public static let completenessInferred = Disposition(standard: "completeness_inferred")
    public static let conformant = Disposition(standard: "conformant")
    public static let containerClosed = Disposition(standard: "container_closed")
    public static let containerOpen = Disposition(standard: "container_open")
    public static let damaged = Disposition(standard: "damaged")
    public static let destroyed = Disposition(standard: "destroyed")
    public static let dispensed = Disposition(standard: "dispensed")
    public static let disposed = Disposition(standard: "disposed")
    public static let encoded = Disposition(standard: "encoded")
    public static let expired = Disposition(standard: "expired")
    public static let inProgress = Disposition(standard: "in_progress")
    public static let inTransit = Disposition(standard: "in_transit")
    public static let inactive = Disposition(standard: "inactive")
    public static let mismatchInstance = Disposition(standard: "mismatch_instance")
    public static let mismatchClass = Disposition(standard: "mismatch_class")
    public static let mismatchQuantity = Disposition(standard: "mismatch_quantity")
    public static let needsReplacement = Disposition(standard: "needs_replacement")
    public static let noPedigreeMatch = Disposition(standard: "no_pedigree_match")
    public static let nonConformant = Disposition(standard: "non_conformant")
    public static let nonSellableOther = Disposition(standard: "non_sellable_other")
    public static let partiallyDispensed = Disposition(standard: "partially_dispensed")
    public static let recalled = Disposition(standard: "recalled")
    public static let reserved = Disposition(standard: "reserved")
    public static let retailSold = Disposition(standard: "retail_sold")
    public static let returned = Disposition(standard: "returned")
    public static let sellableAccessible = Disposition(standard: "sellable_accessible")
    public static let sellableNotAccessible = Disposition(standard: "sellable_not_accessible")
    public static let stolen = Disposition(standard: "stolen")
    public static let unavailable = Disposition(standard: "unavailable")
    public static let unknown = Disposition(standard: "unknown")
}

/// The kind of business document a `bizTransaction` refers to (CBV 2.0 §7.4).
public struct BusinessTransactionType: CBVTerm {
    /// The bare CBV word for a standard term, the full URI otherwise.
    public let rawValue: String
    /// Validates and normalises; see ``CBVTerm``.
    public init?(rawValue: String) {
        guard let normalized = Self.normalize(rawValue) else { return nil }
        self.rawValue = normalized
    }
    private init(standard word: String) { rawValue = word }
    public static let webURIPrefix = "https://ref.gs1.org/cbv/BTT-"
    public static let urnPrefix = "urn:epcglobal:cbv:btt:"
    public static let standardWords: Set<String> = [
        "bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv", "rma",
        "testprd", "testres", "upevt",
    ]

    public static let billOfLading = BusinessTransactionType(standard: "bol")
    public static let certificate = BusinessTransactionType(standard: "cert")
    public static let despatchAdvice = BusinessTransactionType(standard: "desadv")
    public static let invoice = BusinessTransactionType(standard: "inv")
    public static let pedigree = BusinessTransactionType(standard: "pedigree")
    public static let purchaseOrder = BusinessTransactionType(standard: "po")
    public static let purchaseOrderConfirmation = BusinessTransactionType(standard: "poc")
    public static let productionOrder = BusinessTransactionType(standard: "prodorder")
    public static let receivingAdvice = BusinessTransactionType(standard: "recadv")
    public static let returnMerchandiseAuthorisation = BusinessTransactionType(standard: "rma")
    public static let testProcedure = BusinessTransactionType(standard: "testprd")
    public static let testResult = BusinessTransactionType(standard: "testres")
    public static let upstreamEPCISEvent = BusinessTransactionType(standard: "upevt")
}

/// Why an event was declared erroneous (CBV 2.0 §7.5).
public struct ErrorReason: CBVTerm {
    /// The bare CBV word for a standard term, the full URI otherwise.
    public let rawValue: String
    /// Validates and normalises; see ``CBVTerm``.
    public init?(rawValue: String) {
        guard let normalized = Self.normalize(rawValue) else { return nil }
        self.rawValue = normalized
    }
    private init(standard word: String) { rawValue = word }
    public static let webURIPrefix = "https://ref.gs1.org/cbv/ER-"
    public static let urnPrefix = "urn:epcglobal:cbv:er:"
    public static let standardWords: Set<String> = ["did_not_occur", "incorrect_data"]

    public static let didNotOccur = ErrorReason(standard: "did_not_occur")
    public static let incorrectData = ErrorReason(standard: "incorrect_data")
}

/// How an event changes the lifetime of the objects it names (EPCIS 2.0 §7.3.2).
public enum Action: String, Sendable, Hashable, CaseIterable {
    /// The objects come into existence (ObjectEvent) or are aggregated (AggregationEvent).
    case add = "ADD"
    /// The objects are seen; nothing is created or removed.
    case observe = "OBSERVE"
    /// The objects leave the system (ObjectEvent) or are disaggregated (AggregationEvent).
    case delete = "DELETE"
}

/// The EPCIS event types this module models.
public enum EventType: String, Sendable, Hashable, CaseIterable {
    case objectEvent = "ObjectEvent"
    case aggregationEvent = "AggregationEvent"

    /// EPCIS 2.0 event types that exist but that this module does not model; documents that
    /// contain them are rejected with a specific error rather than "unknown type".
    static let unsupported: Set<String> = ["TransformationEvent", "TransactionEvent", "AssociationEvent"]
}

/// Minimal RFC 3986 checks that keep obviously broken identifiers out of stored events.
enum URISyntax {
    /// `scheme:rest` with an RFC 3986 scheme, a non-empty rest, and no whitespace or controls.
    static func isAbsoluteURI(_ string: String) -> Bool {
        let b = Array(string.utf8)
        guard let colon = b.firstIndex(of: UInt8(ascii: ":")), colon > 0, colon < b.count - 1 else { return false }
        guard isAlpha(b[0]) else { return false }
        for c in b[1..<colon] where !(isAlpha(c) || isDigit(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")) {
            return false
        }
        return !b.contains(where: { $0 <= 0x20 || $0 == 0x7F })
    }

    static func isAlpha(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}
