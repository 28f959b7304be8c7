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
    /// Wraps an already-normalised raw value; use `init?(rawValue:)` for untrusted input.
    init(normalized: String)
}

extension CBVTerm {
    /// Accepts a CBV 2.0 bare word, its URN or web URI (normalised to the bare word), or any
    /// other absolute URI as a company-specific term. Rejects unknown bare words, which are
    /// almost always typos (`comissioning`) rather than intended private vocabulary.
    public init?(rawValue: String) {
        if Self.standardWords.contains(rawValue) {
            self.init(normalized: rawValue)
            return
        }
        for prefix in [Self.urnPrefix, Self.webURIPrefix] where rawValue.hasPrefix(prefix) {
            // GS1's own namespaces hold only the standard terms; anything else there is a typo.
            let word = String(rawValue.dropFirst(prefix.count))
            guard Self.standardWords.contains(word) else { return nil }
            self.init(normalized: word)
            return
        }
        guard URISyntax.isAbsoluteURI(rawValue) else { return nil }
        self.init(normalized: rawValue)
    }

    /// Whether this is one of the CBV 2.0 standard terms.
    public var isStandard: Bool { Self.standardWords.contains(rawValue) }

    /// The full URI: the GS1 web URI for standard terms, the term itself otherwise.
    public var uri: String { isStandard ? Self.webURIPrefix + rawValue : rawValue }

    public var description: String { rawValue }
}

/// The business process step of an event (CBV 2.0 §7.2).
public struct BizStep: CBVTerm {
    public let rawValue: String
    public init(normalized: String) { rawValue = normalized }
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

    public static let accepting = BizStep(normalized: "accepting")
    public static let arriving = BizStep(normalized: "arriving")
    public static let assembling = BizStep(normalized: "assembling")
    public static let collecting = BizStep(normalized: "collecting")
    public static let commissioning = BizStep(normalized: "commissioning")
    public static let consigning = BizStep(normalized: "consigning")
    public static let creatingClassInstance = BizStep(normalized: "creating_class_instance")
    public static let cycleCounting = BizStep(normalized: "cycle_counting")
    public static let decommissioning = BizStep(normalized: "decommissioning")
    public static let departing = BizStep(normalized: "departing")
    public static let destroying = BizStep(normalized: "destroying")
    public static let disassembling = BizStep(normalized: "disassembling")
    public static let dispensing = BizStep(normalized: "dispensing")
    public static let encoding = BizStep(normalized: "encoding")
    public static let enteringExiting = BizStep(normalized: "entering_exiting")
    public static let holding = BizStep(normalized: "holding")
    public static let inspecting = BizStep(normalized: "inspecting")
    public static let installing = BizStep(normalized: "installing")
    public static let killing = BizStep(normalized: "killing")
    public static let loading = BizStep(normalized: "loading")
    public static let other = BizStep(normalized: "other")
    public static let packing = BizStep(normalized: "packing")
    public static let picking = BizStep(normalized: "picking")
    public static let receiving = BizStep(normalized: "receiving")
    public static let removing = BizStep(normalized: "removing")
    public static let repackaging = BizStep(normalized: "repackaging")
    public static let repairing = BizStep(normalized: "repairing")
    public static let replacing = BizStep(normalized: "replacing")
    public static let reserving = BizStep(normalized: "reserving")
    public static let retailSelling = BizStep(normalized: "retail_selling")
    public static let sampling = BizStep(normalized: "sampling")
    public static let sensorReporting = BizStep(normalized: "sensor_reporting")
    public static let shipping = BizStep(normalized: "shipping")
    public static let stagingOutbound = BizStep(normalized: "staging_outbound")
    public static let stockTaking = BizStep(normalized: "stock_taking")
    public static let stocking = BizStep(normalized: "stocking")
    public static let storing = BizStep(normalized: "storing")
    public static let transporting = BizStep(normalized: "transporting")
    public static let unloading = BizStep(normalized: "unloading")
    public static let unpacking = BizStep(normalized: "unpacking")
    public static let voidShipping = BizStep(normalized: "void_shipping")
}

/// The business state of the objects after the event (CBV 2.0 §7.3).
public struct Disposition: CBVTerm {
    public let rawValue: String
    public init(normalized: String) { rawValue = normalized }
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

    public static let active = Disposition(normalized: "active")
    public static let available = Disposition(normalized: "available")
    public static let completenessVerified = Disposition(normalized: "completeness_verified")
    public static let completenessInferred = Disposition(normalized: "completeness_inferred")
    public static let conformant = Disposition(normalized: "conformant")
    public static let containerClosed = Disposition(normalized: "container_closed")
    public static let containerOpen = Disposition(normalized: "container_open")
    public static let damaged = Disposition(normalized: "damaged")
    public static let destroyed = Disposition(normalized: "destroyed")
    public static let dispensed = Disposition(normalized: "dispensed")
    public static let disposed = Disposition(normalized: "disposed")
    public static let encoded = Disposition(normalized: "encoded")
    public static let expired = Disposition(normalized: "expired")
    public static let inProgress = Disposition(normalized: "in_progress")
    public static let inTransit = Disposition(normalized: "in_transit")
    public static let inactive = Disposition(normalized: "inactive")
    public static let mismatchInstance = Disposition(normalized: "mismatch_instance")
    public static let mismatchClass = Disposition(normalized: "mismatch_class")
    public static let mismatchQuantity = Disposition(normalized: "mismatch_quantity")
    public static let needsReplacement = Disposition(normalized: "needs_replacement")
    public static let noPedigreeMatch = Disposition(normalized: "no_pedigree_match")
    public static let nonConformant = Disposition(normalized: "non_conformant")
    public static let nonSellableOther = Disposition(normalized: "non_sellable_other")
    public static let partiallyDispensed = Disposition(normalized: "partially_dispensed")
    public static let recalled = Disposition(normalized: "recalled")
    public static let reserved = Disposition(normalized: "reserved")
    public static let retailSold = Disposition(normalized: "retail_sold")
    public static let returned = Disposition(normalized: "returned")
    public static let sellableAccessible = Disposition(normalized: "sellable_accessible")
    public static let sellableNotAccessible = Disposition(normalized: "sellable_not_accessible")
    public static let stolen = Disposition(normalized: "stolen")
    public static let unavailable = Disposition(normalized: "unavailable")
    public static let unknown = Disposition(normalized: "unknown")
}

/// The kind of business document a `bizTransaction` refers to (CBV 2.0 §7.4).
public struct BusinessTransactionType: CBVTerm {
    public let rawValue: String
    public init(normalized: String) { rawValue = normalized }
    public static let webURIPrefix = "https://ref.gs1.org/cbv/BTT-"
    public static let urnPrefix = "urn:epcglobal:cbv:btt:"
    public static let standardWords: Set<String> = [
        "bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv", "rma",
        "testprd", "testres", "upevt",
    ]

    public static let billOfLading = BusinessTransactionType(normalized: "bol")
    public static let certificate = BusinessTransactionType(normalized: "cert")
    public static let despatchAdvice = BusinessTransactionType(normalized: "desadv")
    public static let invoice = BusinessTransactionType(normalized: "inv")
    public static let pedigree = BusinessTransactionType(normalized: "pedigree")
    public static let purchaseOrder = BusinessTransactionType(normalized: "po")
    public static let purchaseOrderConfirmation = BusinessTransactionType(normalized: "poc")
    public static let productionOrder = BusinessTransactionType(normalized: "prodorder")
    public static let receivingAdvice = BusinessTransactionType(normalized: "recadv")
    public static let returnMerchandiseAuthorisation = BusinessTransactionType(normalized: "rma")
    public static let testProcedure = BusinessTransactionType(normalized: "testprd")
    public static let testResult = BusinessTransactionType(normalized: "testres")
    public static let upstreamEPCISEvent = BusinessTransactionType(normalized: "upevt")
}

/// Why an event was declared erroneous (CBV 2.0 §7.5).
public struct ErrorReason: CBVTerm {
    public let rawValue: String
    public init(normalized: String) { rawValue = normalized }
    public static let webURIPrefix = "https://ref.gs1.org/cbv/ER-"
    public static let urnPrefix = "urn:epcglobal:cbv:er:"
    public static let standardWords: Set<String> = ["did_not_occur", "incorrect_data"]

    public static let didNotOccur = ErrorReason(normalized: "did_not_occur")
    public static let incorrectData = ErrorReason(normalized: "incorrect_data")
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
