import Foundation

/// A class-level quantity: "this much of this product/lot" (EPCIS 2.0 §7.3.3.3).
public struct QuantityElement: Sendable, Equatable {
    /// The class identifier, e.g. a GTIN+lot Digital Link `https://id.gs1.org/01/…/10/LOT`.
    public var epcClass: String
    /// The amount; `nil` means "unknown quantity of this class".
    public var quantity: Double?
    /// UN/ECE Recommendation 20 unit code (`KGM`, `LTR`); `nil` means a count of items.
    public var uom: String?

    /// A quantity of `epcClass`; omit `uom` for a count of items.
    public init(epcClass: String, quantity: Double? = nil, uom: String? = nil) {
        self.epcClass = epcClass
        self.quantity = quantity
        self.uom = uom
    }
}

/// A business document the event relates to, e.g. a purchase order (EPCIS 2.0 §7.3.5.2).
public struct BizTransaction: Sendable, Equatable {
    /// The document type, usually a CBV standard type.
    public var type: BusinessTransactionType?
    /// The document identifier URI (`bizTransaction` in JSON).
    public var id: String

    /// A reference to business document `id`, optionally typed.
    public init(type: BusinessTransactionType? = nil, id: String) {
        self.type = type
        self.id = id
    }
}

/// Marks an event as erroneous after the fact (EPCIS 2.0 §7.4.1.4).
///
/// The declaration is excluded from the event hash, so the declared event keeps the hash ID of
/// the original it retracts.
public struct ErrorDeclaration: Sendable, Equatable {
    /// When the error was declared.
    public var declarationTime: Date
    /// Why; usually ``ErrorReason/incorrectData`` or ``ErrorReason/didNotOccur``.
    public var reason: ErrorReason?
    /// Event IDs of the events that correct this one.
    public var correctiveEventIDs: [String]
    /// Namespaced extension elements inside the declaration.
    public var extensions: [ExtensionField]

    /// Declares the event erroneous as of `declarationTime`.
    public init(declarationTime: Date, reason: ErrorReason? = nil, correctiveEventIDs: [String] = [],
                extensions: [ExtensionField] = []) {
        self.declarationTime = declarationTime
        self.reason = reason
        self.correctiveEventIDs = correctiveEventIDs
        self.extensions = extensions
    }
}

/// Something happened to a set of objects: commissioned, shipped, inspected, destroyed...
public struct ObjectEvent: Sendable, Equatable {
    /// Optional event identifier; stations use the event hash ID (see ``EPCISEvent/withHashEventID()``).
    public var eventID: String?
    /// When the event happened.
    public var eventTime: Date
    /// The offset of the place the event happened; the JSON shows `eventTime` in this offset.
    public var eventTimeZoneOffset: TimeZoneOffset
    /// When a repository recorded the event; set by servers, not stations.
    public var recordTime: Date?
    /// Instance-level identifiers (serialised GTIN Digital Links, SSCCs, ...).
    public var epcList: [String]
    /// Class-level quantities.
    public var quantityList: [QuantityElement]
    /// ADD creates the objects (commissioning), DELETE retires them, OBSERVE neither.
    public var action: Action
    /// The business step, e.g. ``BizStep/commissioning``.
    public var bizStep: BizStep?
    /// The objects' state afterwards, e.g. ``Disposition/active``.
    public var disposition: Disposition?
    /// Where the event was observed: the `readPoint.id` URI (a GLN+extension Digital Link).
    public var readPoint: String?
    /// Where the objects are afterwards: the `bizLocation.id` URI.
    public var bizLocation: String?
    /// Business documents (orders, despatch advices) the event belongs to.
    public var bizTransactionList: [BizTransaction]
    /// Instance/lot master data; only meaningful with `action == .add`.
    public var ilmd: ILMD
    /// Present when this event has been declared erroneous.
    public var errorDeclaration: ErrorDeclaration?
    /// Station bookkeeping fields (`txng:` namespace).
    public var station: StationFields?
    /// Other user extension elements, in order.
    public var extensions: [ExtensionField]

    /// An object event; the offset defaults to Việt Nam's `+07:00`.
    public init(
        eventID: String? = nil,
        eventTime: Date,
        eventTimeZoneOffset: TimeZoneOffset = .vietnam,
        recordTime: Date? = nil,
        epcList: [String] = [],
        quantityList: [QuantityElement] = [],
        action: Action,
        bizStep: BizStep? = nil,
        disposition: Disposition? = nil,
        readPoint: String? = nil,
        bizLocation: String? = nil,
        bizTransactionList: [BizTransaction] = [],
        ilmd: ILMD = ILMD(),
        errorDeclaration: ErrorDeclaration? = nil,
        station: StationFields? = nil,
        extensions: [ExtensionField] = []
    ) {
        self.eventID = eventID
        self.eventTime = eventTime
        self.eventTimeZoneOffset = eventTimeZoneOffset
        self.recordTime = recordTime
        self.epcList = epcList
        self.quantityList = quantityList
        self.action = action
        self.bizStep = bizStep
        self.disposition = disposition
        self.readPoint = readPoint
        self.bizLocation = bizLocation
        self.bizTransactionList = bizTransactionList
        self.ilmd = ilmd
        self.errorDeclaration = errorDeclaration
        self.station = station
        self.extensions = extensions
    }
}

/// Objects were put into (ADD), seen in (OBSERVE) or taken out of (DELETE) a container,
/// typically cartons into a pallet identified by an SSCC.
public struct AggregationEvent: Sendable, Equatable {
    /// Optional event identifier; stations use the event hash ID.
    public var eventID: String?
    /// When the event happened.
    public var eventTime: Date
    /// The offset of the place the event happened.
    public var eventTimeZoneOffset: TimeZoneOffset
    /// When a repository recorded the event; set by servers, not stations.
    public var recordTime: Date?
    /// The container, e.g. `https://id.gs1.org/00/089385120000000190`. Required unless `action == .observe`.
    public var parentID: String?
    /// The contained instances.
    public var childEPCs: [String]
    /// The contained class-level quantities.
    public var childQuantityList: [QuantityElement]
    /// ADD packs the children, DELETE unpacks them, OBSERVE confirms the aggregation.
    public var action: Action
    /// The business step, e.g. ``BizStep/packing``.
    public var bizStep: BizStep?
    /// The state afterwards, e.g. ``Disposition/inProgress``.
    public var disposition: Disposition?
    /// Where the event was observed (`readPoint.id`).
    public var readPoint: String?
    /// Where the container is afterwards (`bizLocation.id`).
    public var bizLocation: String?
    /// Business documents the event belongs to.
    public var bizTransactionList: [BizTransaction]
    /// Present when this event has been declared erroneous.
    public var errorDeclaration: ErrorDeclaration?
    /// Station bookkeeping fields (`txng:` namespace).
    public var station: StationFields?
    /// Other user extension elements, in order.
    public var extensions: [ExtensionField]

    /// An aggregation event; the offset defaults to Việt Nam's `+07:00`.
    public init(
        eventID: String? = nil,
        eventTime: Date,
        eventTimeZoneOffset: TimeZoneOffset = .vietnam,
        recordTime: Date? = nil,
        parentID: String?,
        childEPCs: [String] = [],
        childQuantityList: [QuantityElement] = [],
        action: Action,
        bizStep: BizStep? = nil,
        disposition: Disposition? = nil,
        readPoint: String? = nil,
        bizLocation: String? = nil,
        bizTransactionList: [BizTransaction] = [],
        errorDeclaration: ErrorDeclaration? = nil,
        station: StationFields? = nil,
        extensions: [ExtensionField] = []
    ) {
        self.eventID = eventID
        self.eventTime = eventTime
        self.eventTimeZoneOffset = eventTimeZoneOffset
        self.recordTime = recordTime
        self.parentID = parentID
        self.childEPCs = childEPCs
        self.childQuantityList = childQuantityList
        self.action = action
        self.bizStep = bizStep
        self.disposition = disposition
        self.readPoint = readPoint
        self.bizLocation = bizLocation
        self.bizTransactionList = bizTransactionList
        self.errorDeclaration = errorDeclaration
        self.station = station
        self.extensions = extensions
    }
}

/// Any event this module models. Switch on it for type-specific fields; the shared fields are
/// available directly.
public enum EPCISEvent: Sendable, Equatable {
    case object(ObjectEvent)
    case aggregation(AggregationEvent)

    /// The JSON `type` of this event.
    public var eventType: EventType {
        switch self {
        case .object: .objectEvent
        case .aggregation: .aggregationEvent
        }
    }

    /// The event identifier; settable so servers can assign one.
    public var eventID: String? {
        get {
            switch self {
            case .object(let e): e.eventID
            case .aggregation(let e): e.eventID
            }
        }
        set {
            switch self {
            case .object(var e): e.eventID = newValue; self = .object(e)
            case .aggregation(var e): e.eventID = newValue; self = .aggregation(e)
            }
        }
    }

    /// When the event happened.
    public var eventTime: Date {
        switch self {
        case .object(let e): e.eventTime
        case .aggregation(let e): e.eventTime
        }
    }

    /// The offset of the place the event happened.
    public var eventTimeZoneOffset: TimeZoneOffset {
        switch self {
        case .object(let e): e.eventTimeZoneOffset
        case .aggregation(let e): e.eventTimeZoneOffset
        }
    }

    /// The event's action.
    public var action: Action {
        switch self {
        case .object(let e): e.action
        case .aggregation(let e): e.action
        }
    }

    /// The event's business step.
    public var bizStep: BizStep? {
        switch self {
        case .object(let e): e.bizStep
        case .aggregation(let e): e.bizStep
        }
    }

    /// The event's disposition.
    public var disposition: Disposition? {
        switch self {
        case .object(let e): e.disposition
        case .aggregation(let e): e.disposition
        }
    }

    /// The error declaration, if the event was declared erroneous.
    public var errorDeclaration: ErrorDeclaration? {
        switch self {
        case .object(let e): e.errorDeclaration
        case .aggregation(let e): e.errorDeclaration
        }
    }

    /// The station bookkeeping fields, if any.
    public var station: StationFields? {
        switch self {
        case .object(let e): e.station
        case .aggregation(let e): e.station
        }
    }

    /// This event with `eventID` set to its CBV 2.0 event hash ID.
    ///
    /// Safe to call repeatedly: `eventID` is excluded from the hash, so the ID does not change.
    /// The same event at another time (its content-derived `eventID`, if any, must be computed again).
    public func withEventTime(_ time: Date) -> EPCISEvent {
        switch self {
        case .object(var e): e.eventTime = time; return .object(e)
        case .aggregation(var e): e.eventTime = time; return .aggregation(e)
        }
    }

    public func withHashEventID() -> EPCISEvent {
        var copy = self
        copy.eventID = eventHash().id
        return copy
    }
}
