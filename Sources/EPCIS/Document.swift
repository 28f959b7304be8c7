import Foundation

/// An EPCIS 2.0 JSON-LD document: the unit a station uploads and the server stores.
public struct EPCISDocument: Sendable, Equatable {
    /// The only `schemaVersion` this module writes or accepts.
    public static let schemaVersion = "2.0"

    /// Optional document identifier (`id`).
    public var documentID: String?
    /// When the document was created; written in UTC with milliseconds.
    public var creationDate: Date
    /// The events, in order.
    public var events: [EPCISEvent]
    /// The GS1 context written first in `@context`; one of ``EPCISContext/recognized``.
    public var contextURL: String
    /// Namespace prefixes (prefix → namespace URI) declared in `@context` besides the station's.
    /// Decoding fills this from the incoming document so re-encoding keeps its prefixes.
    public var namespaces: [String: String]

    /// A document of `events` created at `creationDate`.
    public init(
        documentID: String? = nil,
        creationDate: Date,
        events: [EPCISEvent],
        contextURL: String = EPCISContext.standard,
        namespaces: [String: String] = [:]
    ) {
        self.documentID = documentID
        self.creationDate = creationDate
        self.events = events
        self.contextURL = contextURL
        self.namespaces = namespaces
    }

    /// Decodes and validates an incoming document; every problem found is reported at once.
    public init(jsonData: some Sequence<UInt8>) throws(EPCISDecodingError) {
        self = try JSONLDDecoder.decodeDocument(try JSONLDDecoder.parse(jsonData))
    }

    /// Checks the document against the same rules incoming documents must pass, so a station
    /// finds problems (an empty epcList, a malformed URI) before it stores or uploads.
    public func validate() throws(EPCISDecodingError) {
        _ = try EPCISDocument(jsonData: jsonData())
    }

    /// The JSON-LD encoding: fixed key order and no dependence on dictionary ordering, so the
    /// same document always produces the same bytes.
    public func jsonData(formatting: EPCISJSONFormatting = .compact) -> Data {
        Data(JSONSerializer.serialize(JSONLDEncoder.encode(self), formatting: formatting))
    }
}

extension EPCISEvent {
    /// Decodes and validates a single event object (the MISSION/capture form).
    ///
    /// The event may carry its own `@context`; without one the prefixes `cbvmda:`, `gs1:` and
    /// the station's `txng:` are understood.
    public init(jsonData: some Sequence<UInt8>) throws(EPCISDecodingError) {
        self = try JSONLDDecoder.decodeSingleEvent(try JSONLDDecoder.parse(jsonData))
    }

    /// Checks the event against the same rules incoming documents must pass.
    public func validate() throws(EPCISDecodingError) {
        _ = try EPCISEvent(jsonData: jsonData(includeContext: true))
    }

    /// The JSON-LD encoding of this event alone, with deterministic key order.
    ///
    /// - Parameters:
    ///   - includeContext: Prepend an `@context` declaring the station namespace (needed when
    ///     the event is sent on its own to a JSON-LD consumer).
    ///   - contextURL: The GS1 context to reference when `includeContext` is set.
    public func jsonData(formatting: EPCISJSONFormatting = .compact, includeContext: Bool = false,
                         contextURL: String = EPCISContext.standard) -> Data {
        let prefixes = JSONLDEncoder.PrefixTable(declared: [:], events: [self])
        var object = JSONObject()
        if includeContext { object.append("@context", JSONLDEncoder.context(url: contextURL, prefixes: prefixes)) }
        for member in JSONLDEncoder.encode(self, prefixes: prefixes).members { object.append(member.key, member.value) }
        return Data(JSONSerializer.serialize(.object(object), formatting: formatting))
    }
}

/// Model → ordered JSON. The key order follows the EPCIS 2.0 JSON-LD examples.
enum JSONLDEncoder {
    /// Namespace URI → prefix, covering every namespace the events use.
    struct PrefixTable {
        private(set) var prefixByNamespace: [String: String] = [:]
        /// Prefixes that must be declared in `@context` (implicit GS1-context ones are not).
        private(set) var declarations: [String: String] = [:]

        private static let implicit = ["cbvmda": EPCISNamespace.cbvMasterData, "gs1": EPCISNamespace.gs1Vocabulary]

        init(declared: [String: String], events: [EPCISEvent]) {
            for (prefix, namespace) in declared.sorted(by: { $0.key < $1.key }) {
                declarations[prefix] = namespace
                if prefixByNamespace[namespace] == nil { prefixByNamespace[namespace] = prefix }
            }
            if prefixByNamespace[EPCISNamespace.station] == nil {
                let prefix = freshPrefix(EPCISNamespace.stationPrefix)
                declarations[prefix] = EPCISNamespace.station
                prefixByNamespace[EPCISNamespace.station] = prefix
            }
            for (prefix, namespace) in Self.implicit where prefixByNamespace[namespace] == nil && declarations[prefix] == nil {
                prefixByNamespace[namespace] = prefix
            }
            var used = Set<String>()
            for event in events { Self.collectNamespaces(event, into: &used) }
            var counter = 1
            for namespace in used.sorted() where prefixByNamespace[namespace] == nil {
                var prefix = "ns\(counter)"
                while declarations[prefix] != nil || Self.implicit[prefix] != nil {
                    counter += 1
                    prefix = "ns\(counter)"
                }
                counter += 1
                declarations[prefix] = namespace
                prefixByNamespace[namespace] = prefix
            }
        }

        private func freshPrefix(_ preferred: String) -> String {
            var candidate = preferred
            var n = 2
            while declarations[candidate] != nil || Self.implicit[candidate] != nil {
                candidate = preferred + String(n)
                n += 1
            }
            return candidate
        }

        func key(_ name: ExtensionName) -> String {
            // Every namespace in use was assigned a prefix in init; the fallback keeps the
            // function total for names added after the table was built.
            (prefixByNamespace[name.namespace] ?? name.namespace) + ":" + name.localName
        }

        private static func collectNamespaces(_ event: EPCISEvent, into set: inout Set<String>) {
            func visit(_ fields: [ExtensionField]) {
                for field in fields {
                    set.insert(field.name.namespace)
                    visitValue(field.value)
                }
            }
            func visitValue(_ value: ExtensionValue) {
                switch value {
                case .object(let children): visit(children)
                case .array(let values): values.forEach(visitValue)
                case .string, .number, .bool: break
                }
            }
            switch event {
            case .object(let e):
                visit(e.ilmd.fields)
                visit(e.extensions)
                visit(e.errorDeclaration?.extensions ?? [])
            case .aggregation(let e):
                visit(e.extensions)
                visit(e.errorDeclaration?.extensions ?? [])
            }
        }
    }

    static func context(url: String, prefixes: PrefixTable) -> JSONValue {
        var declarations = JSONObject()
        for (prefix, namespace) in prefixes.declarations.sorted(by: { $0.key < $1.key }) {
            declarations.append(prefix, .string(namespace))
        }
        return .array([.string(url), .object(declarations)])
    }

    static func encode(_ document: EPCISDocument) -> JSONValue {
        let prefixes = PrefixTable(declared: document.namespaces, events: document.events)
        var object = JSONObject()
        object.append("@context", context(url: document.contextURL, prefixes: prefixes))
        object.append("id", ifPresent: document.documentID.map(JSONValue.string))
        object.append("type", .string("EPCISDocument"))
        object.append("schemaVersion", .string(EPCISDocument.schemaVersion))
        object.append("creationDate", .string(TimeParsing.format(milliseconds: EPCISInstant.milliseconds(document.creationDate), offset: nil)))
        var body = JSONObject()
        body.append("eventList", .array(document.events.map { .object(encode($0, prefixes: prefixes)) }))
        object.append("epcisBody", .object(body))
        return .object(object)
    }

    static func encode(_ event: EPCISEvent, prefixes: PrefixTable) -> JSONObject {
        switch event {
        case .object(let e): encodeObjectEvent(e, prefixes: prefixes)
        case .aggregation(let e): encodeAggregationEvent(e, prefixes: prefixes)
        }
    }

    private static func time(_ date: Date, _ offset: TimeZoneOffset) -> JSONValue {
        .string(TimeParsing.format(milliseconds: EPCISInstant.milliseconds(date), offset: offset))
    }

    private static func header(_ o: inout JSONObject, type: EventType, eventID: String?, eventTime: Date,
                               offset: TimeZoneOffset, recordTime: Date?, errorDeclaration: ErrorDeclaration?,
                               prefixes: PrefixTable) {
        o.append("type", .string(type.rawValue))
        o.append("eventID", ifPresent: eventID.map(JSONValue.string))
        o.append("eventTime", time(eventTime, offset))
        o.append("eventTimeZoneOffset", .string(offset.rawValue))
        o.append("recordTime", ifPresent: recordTime.map { time($0, offset) })
        if let declaration = errorDeclaration {
            var d = JSONObject()
            d.append("declarationTime", time(declaration.declarationTime, offset))
            d.append("reason", ifPresent: declaration.reason.map { .string($0.rawValue) })
            if !declaration.correctiveEventIDs.isEmpty {
                d.append("correctiveEventIDs", .array(declaration.correctiveEventIDs.map(JSONValue.string)))
            }
            appendExtensions(declaration.extensions, to: &d, prefixes: prefixes)
            o.append("errorDeclaration", .object(d))
        }
    }

    private static func trailer(_ o: inout JSONObject, action: Action, bizStep: BizStep?, disposition: Disposition?,
                                readPoint: String?, bizLocation: String?, transactions: [BizTransaction]) {
        o.append("action", .string(action.rawValue))
        o.append("bizStep", ifPresent: bizStep.map { .string($0.rawValue) })
        o.append("disposition", ifPresent: disposition.map { .string($0.rawValue) })
        o.append("readPoint", ifPresent: readPoint.map { .object(JSONObject([("id", .string($0))])) })
        o.append("bizLocation", ifPresent: bizLocation.map { .object(JSONObject([("id", .string($0))])) })
        if !transactions.isEmpty {
            o.append("bizTransactionList", .array(transactions.map { t in
                var entry = JSONObject()
                entry.append("type", ifPresent: t.type.map { .string($0.rawValue) })
                entry.append("bizTransaction", .string(t.id))
                return .object(entry)
            }))
        }
    }

    private static func encodeObjectEvent(_ e: ObjectEvent, prefixes: PrefixTable) -> JSONObject {
        var o = JSONObject()
        header(&o, type: .objectEvent, eventID: e.eventID, eventTime: e.eventTime, offset: e.eventTimeZoneOffset,
               recordTime: e.recordTime, errorDeclaration: e.errorDeclaration, prefixes: prefixes)
        if !e.epcList.isEmpty { o.append("epcList", .array(e.epcList.map(JSONValue.string))) }
        if !e.quantityList.isEmpty { o.append("quantityList", .array(e.quantityList.map(quantity))) }
        trailer(&o, action: e.action, bizStep: e.bizStep, disposition: e.disposition, readPoint: e.readPoint,
                bizLocation: e.bizLocation, transactions: e.bizTransactionList)
        if !e.ilmd.isEmpty {
            var ilmd = JSONObject()
            appendExtensions(e.ilmd.fields, to: &ilmd, prefixes: prefixes)
            o.append("ilmd", .object(ilmd))
        }
        appendStation(e.station, to: &o, prefixes: prefixes)
        appendExtensions(e.extensions, to: &o, prefixes: prefixes)
        return o
    }

    private static func encodeAggregationEvent(_ e: AggregationEvent, prefixes: PrefixTable) -> JSONObject {
        var o = JSONObject()
        header(&o, type: .aggregationEvent, eventID: e.eventID, eventTime: e.eventTime, offset: e.eventTimeZoneOffset,
               recordTime: e.recordTime, errorDeclaration: e.errorDeclaration, prefixes: prefixes)
        o.append("parentID", ifPresent: e.parentID.map(JSONValue.string))
        if !e.childEPCs.isEmpty { o.append("childEPCs", .array(e.childEPCs.map(JSONValue.string))) }
        if !e.childQuantityList.isEmpty { o.append("childQuantityList", .array(e.childQuantityList.map(quantity))) }
        trailer(&o, action: e.action, bizStep: e.bizStep, disposition: e.disposition, readPoint: e.readPoint,
                bizLocation: e.bizLocation, transactions: e.bizTransactionList)
        appendStation(e.station, to: &o, prefixes: prefixes)
        appendExtensions(e.extensions, to: &o, prefixes: prefixes)
        return o
    }

    private static func quantity(_ q: QuantityElement) -> JSONValue {
        var o = JSONObject()
        o.append("epcClass", .string(q.epcClass))
        o.append("quantity", ifPresent: q.quantity.map(number))
        o.append("uom", ifPresent: q.uom.map(JSONValue.string))
        return .object(o)
    }

    /// JSON has no NaN or infinity; such a value (a faulty scale, say) is written as a string so
    /// the bytes stay valid JSON and validation reports the field instead of the encoder crashing.
    private static func number(_ value: Double) -> JSONValue {
        value.isFinite ? .number(EPCISCanonicalization.format(number: value)) : .string(value.description)
    }

    private static func appendStation(_ station: StationFields?, to o: inout JSONObject, prefixes: PrefixTable) {
        guard let station else { return }
        o.append(prefixes.key(.station("stationID")), .string(station.stationID))
        o.append(prefixes.key(.station("operatorID")), ifPresent: station.operatorID.map(JSONValue.string))
        o.append(prefixes.key(.station("sequence")), ifPresent: station.sequence.map { .number(String($0)) })
        o.append(prefixes.key(.station("reprintOf")), ifPresent: station.reprintOf.map(JSONValue.string))
        o.append(prefixes.key(.station("reason")), ifPresent: station.reason.map(JSONValue.string))
    }

    private static func appendExtensions(_ fields: [ExtensionField], to o: inout JSONObject, prefixes: PrefixTable) {
        for field in fields { o.append(prefixes.key(field.name), value(field.value, prefixes: prefixes)) }
    }

    private static func value(_ v: ExtensionValue, prefixes: PrefixTable) -> JSONValue {
        switch v {
        case .string(let s): return .string(s)
        case .number(let n): return number(n)
        case .bool(let b): return .bool(b)
        case .array(let values): return .array(values.map { value($0, prefixes: prefixes) })
        case .object(let fields):
            var o = JSONObject()
            appendExtensions(fields, to: &o, prefixes: prefixes)
            return .object(o)
        }
    }
}
