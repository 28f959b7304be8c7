/// Namespace URIs this module gives meaning to.
public enum EPCISNamespace {
    /// The traceability station's extension namespace, declared in every document's `@context`.
    ///
    /// A URN rather than an `https://` URI so that it never implies a web resource the project
    /// would have to keep online; it ends in `:` so JSON-LD may use it as a prefix. Changing it
    /// changes the event hash ID of every event that carries station fields: treat it as frozen.
    public static let station = "urn:vn:txng:station:"
    /// The JSON-LD prefix written for ``station``.
    public static let stationPrefix = "txng"
    /// CBV master data attributes used in ILMD (`cbvmda:lotNumber`, ...).
    ///
    /// This is the XML namespace of the CBV master data vocabulary and the one the CBV 2.0 event
    /// hash puts in braces (`{urn:epcglobal:cbv:mda}lotNumber`), so that a JSON-LD and an XML
    /// serialisation of one event hash alike. The JSON-LD prefix `cbvmda` comes from the GS1
    /// context and is never declared by this module.
    public static let cbvMasterData = "urn:epcglobal:cbv:mda"
    /// The GS1 web vocabulary (`gs1:` prefix of the GS1 context).
    public static let gs1Vocabulary = "https://gs1.org/voc/"
}

/// The GS1 EPCIS 2.0 JSON-LD context documents this module writes and accepts.
public enum EPCISContext {
    /// The current GS1 context, written by default.
    public static let standard = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
    /// The context pinned to EPCIS 2.0.0. Tools that resolve contexts offline (including the
    /// reference event hash generator) often know only this versioned address.
    public static let version2_0_0 = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
    /// The pre-publication address used by early EPCIS 2.0 examples.
    public static let legacyGitHub = "https://gs1.github.io/EPCIS/epcis-context.jsonld"
    /// Every context URL accepted in incoming documents.
    public static let recognized: Set<String> = [standard, version2_0_0, legacyGitHub]
}

/// A namespaced element name, `{namespace}localName` in Clark notation.
public struct ExtensionName: Sendable, Hashable, CustomStringConvertible {
    /// The full namespace URI, exactly as declared (it is hashed verbatim).
    public var namespace: String
    /// The local part, e.g. `lotNumber`.
    public var localName: String

    /// A name in `namespace`; the namespace is hashed verbatim, so spell it exactly as declared.
    public init(namespace: String, localName: String) {
        self.namespace = namespace
        self.localName = localName
    }

    /// A CBV master data attribute (`cbvmda:` prefix).
    public static func cbvmda(_ localName: String) -> ExtensionName {
        ExtensionName(namespace: EPCISNamespace.cbvMasterData, localName: localName)
    }

    /// A field in the station namespace (`txng:` prefix).
    public static func station(_ localName: String) -> ExtensionName {
        ExtensionName(namespace: EPCISNamespace.station, localName: localName)
    }

    /// `{namespace}localName`, the form the event hash uses.
    public var clarkNotation: String { "{" + namespace + "}" + localName }

    /// The ``clarkNotation``.
    public var description: String { clarkNotation }
}

/// The value of a user extension or ILMD element.
///
/// Mirrors what EPCIS 2.0 JSON-LD allows in extension positions, so that events from other
/// systems survive decode → encode without loss and keep their event hash.
public indirect enum ExtensionValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    /// A structured element with namespaced children.
    case object([ExtensionField])
    /// Repeated elements of the same name (an XML element that occurs several times).
    case array([ExtensionValue])

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { s } else { nil }
    }
}

/// One namespaced element: name and value.
public struct ExtensionField: Sendable, Equatable {
    /// The element's namespaced name.
    public var name: ExtensionName
    /// The element's content.
    public var value: ExtensionValue

    /// An element `name` with content `value`.
    public init(_ name: ExtensionName, _ value: ExtensionValue) {
        self.name = name
        self.value = value
    }
}

/// Instance/lot master data captured with a commissioning `ObjectEvent` (EPCIS 2.0 §7.3.6).
///
/// Keeps the order elements were set or decoded in, so encoding is byte-stable; typed accessors
/// cover the CBV attributes Vietnamese traceability labels print (lot, expiry, best-before).
public struct ILMD: Sendable, Equatable {
    /// All elements in order.
    public var fields: [ExtensionField]

    /// ILMD with the given elements, in order.
    public init(fields: [ExtensionField] = []) {
        self.fields = fields
    }

    /// Builds ILMD from the usual label attributes; dates are `YYYY-MM-DD`.
    public init(lotNumber: String? = nil, itemExpirationDate: String? = nil, bestBeforeDate: String? = nil,
                additional: [ExtensionField] = []) {
        fields = []
        self.lotNumber = lotNumber
        self.itemExpirationDate = itemExpirationDate
        self.bestBeforeDate = bestBeforeDate
        fields.append(contentsOf: additional)
    }

    /// Whether there are no elements (empty ILMD is not encoded or hashed).
    public var isEmpty: Bool { fields.isEmpty }

    /// The value of an element; setting `nil` removes it, setting a new name appends it.
    public subscript(name: ExtensionName) -> ExtensionValue? {
        get { fields.first(where: { $0.name == name })?.value }
        set {
            if let index = fields.firstIndex(where: { $0.name == name }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append(ExtensionField(name, newValue))
            }
        }
    }

    /// `cbvmda:lotNumber`.
    public var lotNumber: String? {
        get { self[.cbvmda("lotNumber")]?.stringValue }
        set { self[.cbvmda("lotNumber")] = newValue.map(ExtensionValue.string) }
    }

    /// `cbvmda:itemExpirationDate`, `YYYY-MM-DD`.
    public var itemExpirationDate: String? {
        get { self[.cbvmda("itemExpirationDate")]?.stringValue }
        set { self[.cbvmda("itemExpirationDate")] = newValue.map(ExtensionValue.string) }
    }

    /// `cbvmda:bestBeforeDate`, `YYYY-MM-DD`.
    public var bestBeforeDate: String? {
        get { self[.cbvmda("bestBeforeDate")]?.stringValue }
        set { self[.cbvmda("bestBeforeDate")] = newValue.map(ExtensionValue.string) }
    }

    /// CBV master data attributes whose value must be an `xsd:date` (`YYYY-MM-DD`).
    static let dateAttributes: Set<String> = ["itemExpirationDate", "bestBeforeDate", "sellByDate"]
}

/// Station bookkeeping carried on every event a station captures, in the ``EPCISNamespace/station``
/// namespace.
///
/// These fields are part of the event hash: a reprint is a new event whose hash differs from
/// the original's, and `reprintOf` ties the two together for audits.
public struct StationFields: Sendable, Equatable {
    /// The capturing station (`txng:stationID`).
    public var stationID: String
    /// The signed-in operator (`txng:operatorID`).
    public var operatorID: String?
    /// The station's monotonically increasing event counter (`txng:sequence`), for gap detection.
    public var sequence: Int?
    /// The event ID of the event this one reprints (`txng:reprintOf`).
    public var reprintOf: String?
    /// Free-text reason given by the operator (`txng:reason`), e.g. why a code was reprinted or
    /// decommissioned. Vietnamese text is fine.
    public var reason: String?

    /// Station fields; only `stationID` is required.
    public init(stationID: String, operatorID: String? = nil, sequence: Int? = nil,
                reprintOf: String? = nil, reason: String? = nil) {
        self.stationID = stationID
        self.operatorID = operatorID
        self.sequence = sequence
        self.reprintOf = reprintOf
        self.reason = reason
    }

    /// The local names this module assigns meaning to, in encoding order.
    static let localNames = ["stationID", "operatorID", "sequence", "reprintOf", "reason"]

    /// The fields as generic extension elements, in encoding order.
    var extensionFields: [ExtensionField] {
        var out = [ExtensionField(.station("stationID"), .string(stationID))]
        if let operatorID { out.append(ExtensionField(.station("operatorID"), .string(operatorID))) }
        if let sequence { out.append(ExtensionField(.station("sequence"), .number(Double(sequence)))) }
        if let reprintOf { out.append(ExtensionField(.station("reprintOf"), .string(reprintOf))) }
        if let reason { out.append(ExtensionField(.station("reason"), .string(reason))) }
        return out
    }
}
