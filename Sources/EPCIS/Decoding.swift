import Foundation

/// JSON → model, validating as it goes and collecting every issue rather than stopping at the
/// first, so a station operator sees all that is wrong with a rejected upload at once.
struct JSONLDDecoder {
    private var issues: [EPCISIssue] = []
    private var eventIndex: Int?
    /// prefix → namespace URI, for resolving `prefix:local` keys.
    private var prefixes: [String: String]
    /// Prefixes the document declared itself (kept for re-encoding).
    private var declared: [String: String] = [:]
    private var contextURL: String?

    private static let implicitPrefixes = ["cbvmda": EPCISNamespace.cbvMasterData, "gs1": EPCISNamespace.gs1Vocabulary]
    private static let cbvmdaSpellings: Set<String> = ["urn:epcglobal:cbv:mda", "urn:epcglobal:cbv:mda:", "urn:epcglobal:cbv:mda#"]
    /// EPCIS 2.0 event fields this module does not model; rejected, never dropped.
    private static let unsupportedEventFields: Set<String> = [
        "sourceList", "destinationList", "sensorElementList", "persistentDisposition", "certificationInfo",
        "@context", "rdfs:comment", "comment",
    ]

    private init(prefixes: [String: String]) {
        self.prefixes = prefixes
    }

    static func parse(_ data: some Sequence<UInt8>) throws(EPCISDecodingError) -> JSONValue {
        do {
            return try JSONParser.parse(data)
        } catch {
            throw .malformedJSON(byteOffset: error.offset, reason: error.reason)
        }
    }

    // MARK: Entry points

    static func decodeDocument(_ json: JSONValue) throws(EPCISDecodingError) -> EPCISDocument {
        var decoder = JSONLDDecoder(prefixes: implicitPrefixes)
        let document = decoder.document(json)
        if !decoder.issues.isEmpty { throw .invalid(decoder.issues) }
        guard let document else { throw .invalid([EPCISIssue(eventIndex: nil, field: "(document)", problem: .missing)]) }
        return document
    }

    static func decodeSingleEvent(_ json: JSONValue) throws(EPCISDecodingError) -> EPCISEvent {
        var implicit = implicitPrefixes
        implicit[EPCISNamespace.stationPrefix] = EPCISNamespace.station
        var decoder = JSONLDDecoder(prefixes: implicit)
        var event: EPCISEvent?
        if case .object(var object) = json, let context = object["@context"] {
            decoder.context(context, field: "@context", requireGS1: false)
            object = JSONObject(object.members.filter { $0.key != "@context" }.map { ($0.key, $0.value) })
            event = decoder.event(.object(object))
        } else {
            event = decoder.event(json)
        }
        if !decoder.issues.isEmpty { throw .invalid(decoder.issues) }
        guard let event else { throw .invalid([EPCISIssue(eventIndex: nil, field: "(event)", problem: .missing)]) }
        return event
    }

    // MARK: Issue collection

    private mutating func report(_ field: String, _ problem: EPCISProblem) {
        guard issues.count < EPCISDecodingError.maximumIssues else { return }
        issues.append(EPCISIssue(eventIndex: eventIndex, field: field, problem: problem))
    }

    private mutating func wrongType(_ field: String, expected: String, _ value: JSONValue) {
        report(field, .wrongType(expected: expected, found: value.kindName))
    }

    // MARK: Document

    private mutating func document(_ json: JSONValue) -> EPCISDocument? {
        guard case .object(let root) = json else {
            wrongType("(document)", expected: "object", json)
            return nil
        }
        if let context = root["@context"] {
            self.context(context, field: "@context", requireGS1: true)
        } else {
            report("@context", .missing)
        }
        var documentID: String?
        var creationDate: Date?
        var events: [EPCISEvent] = []
        var sawType = false, sawVersion = false, sawBody = false
        for member in root.members {
            let field = member.key
            switch field {
            case "@context": break
            case "type":
                sawType = true
                if let type = string(member.value, field), type != "EPCISDocument" {
                    report(field, .invalidValue(type, expected: "EPCISDocument"))
                }
            case "schemaVersion":
                sawVersion = true
                if let version = string(member.value, field), version != EPCISDocument.schemaVersion {
                    report(field, .invalidValue(version, expected: "\"2.0\""))
                }
            case "creationDate":
                creationDate = timestamp(member.value, field)?.date
            case "id":
                documentID = identifier(member.value, field)
            case "epcisBody":
                sawBody = true
                events = body(member.value)
            case "epcisHeader", "sender", "receiver", "instanceIdentifier":
                report(field, .unsupportedField)
            default:
                report(field, field.contains(":") ? .unsupportedField : .unknownField)
            }
        }
        if !sawType { report("type", .missing) }
        if !sawVersion { report("schemaVersion", .missing) }
        if creationDate == nil, root["creationDate"] == nil { report("creationDate", .missing) }
        if !sawBody { report("epcisBody", .missing) }
        guard let creationDate else { return nil }
        return EPCISDocument(documentID: documentID, creationDate: creationDate, events: events,
                             contextURL: contextURL ?? EPCISContext.standard, namespaces: declared)
    }

    private mutating func body(_ json: JSONValue) -> [EPCISEvent] {
        guard case .object(let body) = json else {
            wrongType("epcisBody", expected: "object", json)
            return []
        }
        var events: [EPCISEvent] = []
        for member in body.members where member.key != "eventList" {
            report("epcisBody." + member.key, .unknownField)
        }
        guard let list = body["eventList"] else {
            report("epcisBody.eventList", .missing)
            return []
        }
        guard case .array(let elements) = list else {
            wrongType("epcisBody.eventList", expected: "array", list)
            return []
        }
        for (index, element) in elements.enumerated() {
            eventIndex = index
            if let event = event(element) { events.append(event) }
        }
        eventIndex = nil
        return events
    }

    /// Reads `@context`: the GS1 context URL plus plain `prefix → namespace` declarations.
    /// Anything that would change the meaning of EPCIS terms (remote contexts we cannot
    /// resolve, `@vocab`, term definitions) is refused: the server must not guess.
    private mutating func context(_ json: JSONValue, field: String, requireGS1: Bool) {
        let entries: [JSONValue]
        switch json {
        case .array(let a): entries = a
        case .string, .object: entries = [json]
        default:
            wrongType(field, expected: "string, object or array", json)
            return
        }
        for (i, entry) in entries.enumerated() {
            let path = entries.count == 1 && !(json.isArray) ? field : "\(field)[\(i)]"
            switch entry {
            case .string(let url):
                if EPCISContext.recognized.contains(url) {
                    if contextURL == nil { contextURL = url }
                } else {
                    report(path, .unsupportedContext(url))
                }
            case .object(let object):
                for member in object.members {
                    let keyPath = path + "." + member.key
                    guard !member.key.hasPrefix("@"), !member.key.contains(":") else {
                        report(keyPath, .unsupportedContext(member.key))
                        continue
                    }
                    guard case .string(let namespace) = member.value else {
                        report(keyPath, .unsupportedContext("term definition for '\(member.key)'"))
                        continue
                    }
                    guard URISyntax.isAbsoluteURI(namespace), let last = namespace.last, "/#:?[]@".contains(last) else {
                        report(keyPath, .invalidValue(namespace, expected: "an absolute namespace URI ending in '/', '#' or ':'"))
                        continue
                    }
                    if member.key == "cbvmda" {
                        // Accepted spellings all mean the one CBV master data namespace, which
                        // the GS1 context supplies; it is not re-declared on encoding.
                        if !Self.cbvmdaSpellings.contains(namespace) {
                            report(keyPath, .invalidValue(namespace, expected: "the CBV master data namespace urn:epcglobal:cbv:mda"))
                        }
                        continue
                    }
                    prefixes[member.key] = namespace
                    // The encoder always declares txng itself; recording it would make a
                    // decoded document differ from its re-encoded self.
                    if member.key != EPCISNamespace.stationPrefix || namespace != EPCISNamespace.station {
                        declared[member.key] = namespace
                    }
                }
            default:
                wrongType(path, expected: "string or object", entry)
            }
        }
        if requireGS1, contextURL == nil {
            report(field, .ruleViolation("@context must include the GS1 EPCIS context \(EPCISContext.standard)"))
        }
    }

    // MARK: Events

    private struct Common {
        var eventID: String?
        var eventTime: Date?
        var eventTimeZoneOffset: TimeZoneOffset?
        var recordTime: Date?
        var errorDeclaration: ErrorDeclaration?
        var action: Action?
        var bizStep: BizStep?
        var disposition: Disposition?
        var readPoint: String?
        var bizLocation: String?
        var bizTransactionList: [BizTransaction] = []
        var stationValues: [String: (key: String, value: JSONValue)] = [:]
        var extensions: [ExtensionField] = []
        var sawEventTime = false
    }

    private mutating func event(_ json: JSONValue) -> EPCISEvent? {
        guard case .object(let object) = json else {
            wrongType("(event)", expected: "object", json)
            return nil
        }
        guard let typeValue = object["type"] else {
            report("type", .missing)
            return nil
        }
        guard let typeName = string(typeValue, "type") else { return nil }
        guard let type = EventType(rawValue: typeName) else {
            report("type", EventType.unsupported.contains(typeName) ? .unsupportedEventType(typeName) : .unknownEventType(typeName))
            return nil
        }

        var common = Common()
        var epcList: [String] = [], quantityList: [QuantityElement] = [], ilmd = ILMD()
        var parentID: String?, childEPCs: [String] = [], childQuantityList: [QuantityElement] = []
        var sawILMD = false

        for member in object.members {
            let field = member.key, value = member.value
            if commonField(field, value, &common) { continue }
            switch (type, field) {
            case (.objectEvent, "epcList"): epcList = uriList(value, field)
            case (.objectEvent, "quantityList"): quantityList = quantities(value, field)
            case (.objectEvent, "ilmd"): sawILMD = true; ilmd = self.ilmd(value)
            case (.aggregationEvent, "parentID"): parentID = uri(value, field)
            case (.aggregationEvent, "childEPCs"): childEPCs = uriList(value, field)
            case (.aggregationEvent, "childQuantityList"): childQuantityList = quantities(value, field)
            default:
                if Self.unsupportedEventFields.contains(field) {
                    report(field, .unsupportedField)
                } else if field.contains(":") {
                    extensionMember(field, value, &common)
                } else {
                    report(field, .unknownField)
                }
            }
        }

        if !common.sawEventTime { report("eventTime", .missing) }
        if object["eventTimeZoneOffset"] == nil { report("eventTimeZoneOffset", .missing) }
        if object["action"] == nil { report("action", .missing) }
        let station = stationFields(common.stationValues)

        func absentOrEmpty(_ key: String) -> Bool { object[key] == nil || object[key] == .array([]) }
        switch type {
        case .objectEvent:
            if absentOrEmpty("epcList"), absentOrEmpty("quantityList") {
                report("epcList", .ruleViolation("an ObjectEvent must name at least one object in epcList or quantityList"))
            }
            if sawILMD, let action = common.action, action != .add, !ilmd.isEmpty {
                report("ilmd", .ruleViolation("ilmd is only allowed when action is ADD"))
            }
        case .aggregationEvent:
            if object["parentID"] == nil, let action = common.action, action != .observe {
                report("parentID", .ruleViolation("parentID is required when action is \(action.rawValue)"))
            }
            if common.action == .add, absentOrEmpty("childEPCs"), absentOrEmpty("childQuantityList") {
                report("childEPCs", .ruleViolation("an ADD AggregationEvent must name at least one child in childEPCs or childQuantityList"))
            }
        }

        guard let eventTime = common.eventTime, let offset = common.eventTimeZoneOffset, let action = common.action else {
            return nil
        }
        switch type {
        case .objectEvent:
            return .object(ObjectEvent(
                eventID: common.eventID, eventTime: eventTime, eventTimeZoneOffset: offset, recordTime: common.recordTime,
                epcList: epcList, quantityList: quantityList, action: action, bizStep: common.bizStep,
                disposition: common.disposition, readPoint: common.readPoint, bizLocation: common.bizLocation,
                bizTransactionList: common.bizTransactionList, ilmd: ilmd, errorDeclaration: common.errorDeclaration,
                station: station, extensions: common.extensions))
        case .aggregationEvent:
            return .aggregation(AggregationEvent(
                eventID: common.eventID, eventTime: eventTime, eventTimeZoneOffset: offset, recordTime: common.recordTime,
                parentID: parentID, childEPCs: childEPCs, childQuantityList: childQuantityList, action: action,
                bizStep: common.bizStep, disposition: common.disposition, readPoint: common.readPoint,
                bizLocation: common.bizLocation, bizTransactionList: common.bizTransactionList,
                errorDeclaration: common.errorDeclaration, station: station, extensions: common.extensions))
        }
    }

    /// Handles the fields every event type shares; returns false for anything else.
    private mutating func commonField(_ field: String, _ value: JSONValue, _ c: inout Common) -> Bool {
        switch field {
        case "type": break
        case "eventID": c.eventID = identifier(value, field)
        case "eventTime": c.sawEventTime = true; c.eventTime = timestamp(value, field)?.date
        case "eventTimeZoneOffset":
            if let text = string(value, field) {
                c.eventTimeZoneOffset = TimeZoneOffset(rawValue: text)
                if c.eventTimeZoneOffset == nil { report(field, .invalidTimeZoneOffset(text)) }
            }
        case "recordTime": c.recordTime = timestamp(value, field)?.date
        case "errorDeclaration": c.errorDeclaration = errorDeclaration(value)
        case "action":
            if let text = string(value, field) {
                c.action = Action(rawValue: text)
                if c.action == nil { report(field, .invalidAction(text)) }
            }
        case "bizStep": c.bizStep = term(value, field)
        case "disposition": c.disposition = term(value, field)
        case "readPoint": c.readPoint = location(value, field)
        case "bizLocation": c.bizLocation = location(value, field)
        case "bizTransactionList": c.bizTransactionList = transactions(value, field)
        default: return false
        }
        return true
    }

    private mutating func extensionMember(_ key: String, _ value: JSONValue, _ c: inout Common) {
        guard let name = extensionName(key, field: key) else { return }
        if name.namespace == EPCISNamespace.station {
            if StationFields.localNames.contains(name.localName) {
                c.stationValues[name.localName] = (key, value)
            } else {
                report(key, .unknownField)
            }
            return
        }
        if let converted = extensionValue(value, field: key) {
            c.extensions.append(ExtensionField(name, converted))
        }
    }

    private mutating func stationFields(_ values: [String: (key: String, value: JSONValue)]) -> StationFields? {
        guard !values.isEmpty else { return nil }
        func text(_ local: String) -> String? {
            guard let entry = values[local] else { return nil }
            guard let s = string(entry.value, entry.key) else { return nil }
            if s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                report(entry.key, .invalidValue(s, expected: "a non-empty string"))
                return nil
            }
            return s
        }
        let stationID = text("stationID")
        let operatorID = text("operatorID")
        let reason = text("reason")
        var reprintOf: String?
        if let entry = values["reprintOf"] { reprintOf = uri(entry.value, entry.key) }
        var sequence: Int?
        if let entry = values["sequence"] {
            if case .number(let n) = entry.value, let v = Int(n), v >= 0 {
                sequence = v
            } else if case .number(let n) = entry.value {
                report(entry.key, .invalidValue(n, expected: "a non-negative integer"))
            } else {
                wrongType(entry.key, expected: "integer", entry.value)
            }
        }
        guard let stationID else {
            if values["stationID"] == nil {
                let prefix = values.values.first.map { String($0.key.prefix(while: { $0 != ":" })) } ?? EPCISNamespace.stationPrefix
                report(prefix + ":stationID", .ruleViolation("stationID is required when any station field is present"))
            }
            return nil
        }
        return StationFields(stationID: stationID, operatorID: operatorID, sequence: sequence, reprintOf: reprintOf, reason: reason)
    }

    private mutating func errorDeclaration(_ json: JSONValue) -> ErrorDeclaration? {
        let base = "errorDeclaration"
        guard case .object(let object) = json else {
            wrongType(base, expected: "object", json)
            return nil
        }
        var declarationTime: Date?
        var reason: ErrorReason?
        var corrective: [String] = []
        var extensions: [ExtensionField] = []
        for member in object.members {
            let field = base + "." + member.key
            switch member.key {
            case "declarationTime": declarationTime = timestamp(member.value, field)?.date
            case "reason": reason = term(member.value, field)
            case "correctiveEventIDs": corrective = uriList(member.value, field)
            default:
                if member.key.contains(":"), let name = extensionName(member.key, field: field) {
                    if let value = extensionValue(member.value, field: field) { extensions.append(ExtensionField(name, value)) }
                } else if !member.key.contains(":") {
                    report(field, .unknownField)
                }
            }
        }
        if object["declarationTime"] == nil { report(base + ".declarationTime", .missing) }
        guard let declarationTime else { return nil }
        return ErrorDeclaration(declarationTime: declarationTime, reason: reason, correctiveEventIDs: corrective, extensions: extensions)
    }

    private mutating func ilmd(_ json: JSONValue) -> ILMD {
        guard case .object(let object) = json else {
            wrongType("ilmd", expected: "object", json)
            return ILMD()
        }
        var fields: [ExtensionField] = []
        for member in object.members {
            let field = "ilmd." + member.key
            guard member.key.contains(":") else {
                report(field, .unknownField)
                continue
            }
            guard let name = extensionName(member.key, field: field), let value = extensionValue(member.value, field: field) else { continue }
            if name.namespace == EPCISNamespace.cbvMasterData {
                if ILMD.dateAttributes.contains(name.localName) {
                    guard case .string(let s) = value else {
                        wrongType(field, expected: "date string YYYY-MM-DD", member.value)
                        continue
                    }
                    guard TimeParsing.isCalendarDate(s) else {
                        report(field, .invalidValue(s, expected: "a date YYYY-MM-DD"))
                        continue
                    }
                } else if name.localName == "lotNumber" {
                    guard case .string(let s) = value, !s.isEmpty else {
                        report(field, .invalidValue(member.value.kindName, expected: "a non-empty lot number string"))
                        continue
                    }
                }
            }
            fields.append(ExtensionField(name, value))
        }
        return ILMD(fields: fields)
    }

    // MARK: Field readers

    private mutating func string(_ json: JSONValue, _ field: String) -> String? {
        guard case .string(let s) = json else {
            wrongType(field, expected: "string", json)
            return nil
        }
        return s
    }

    private mutating func uri(_ json: JSONValue, _ field: String) -> String? {
        guard let s = string(json, field) else { return nil }
        guard URISyntax.isAbsoluteURI(s) else {
            report(field, .invalidURI(s))
            return nil
        }
        return s
    }

    /// An IRI or a JSON-LD blank node (`_:event1`), as GS1's own examples use for ids.
    private mutating func identifier(_ json: JSONValue, _ field: String) -> String? {
        if case .string(let s) = json, s.hasPrefix("_:"), s.count > 2, !s.utf8.contains(where: { $0 <= 0x20 }) { return s }
        return uri(json, field)
    }

    private mutating func uriList(_ json: JSONValue, _ field: String) -> [String] {
        guard case .array(let elements) = json else {
            wrongType(field, expected: "array of URIs", json)
            return []
        }
        return elements.enumerated().compactMap { uri($1, "\(field)[\($0)]") }
    }

    private mutating func timestamp(_ json: JSONValue, _ field: String) -> (date: Date, offset: TimeZoneOffset?)? {
        guard let s = string(json, field) else { return nil }
        do {
            let parsed = try TimeParsing.parseTimestamp(s)
            return (EPCISInstant.date(milliseconds: parsed.milliseconds), parsed.offset)
        } catch {
            report(field, .invalidTimestamp(s))
            return nil
        }
    }

    private mutating func term<T: CBVTerm>(_ json: JSONValue, _ field: String) -> T? {
        guard let s = string(json, field) else { return nil }
        guard let value = T(rawValue: s) else {
            report(field, .invalidVocabulary(s))
            return nil
        }
        return value
    }

    /// `readPoint` / `bizLocation`: `{"id": URI}`; extensions inside are not modelled.
    private mutating func location(_ json: JSONValue, _ field: String) -> String? {
        guard case .object(let object) = json else {
            wrongType(field, expected: "object with an id", json)
            return nil
        }
        for member in object.members where member.key != "id" {
            report(field + "." + member.key, member.key.contains(":") ? .unsupportedField : .unknownField)
        }
        guard let id = object["id"] else {
            report(field + ".id", .missing)
            return nil
        }
        return uri(id, field + ".id")
    }

    private mutating func transactions(_ json: JSONValue, _ field: String) -> [BizTransaction] {
        guard case .array(let elements) = json else {
            wrongType(field, expected: "array", json)
            return []
        }
        var result: [BizTransaction] = []
        for (i, element) in elements.enumerated() {
            let path = "\(field)[\(i)]"
            guard case .object(let object) = element else {
                wrongType(path, expected: "object", element)
                continue
            }
            for member in object.members where member.key != "type" && member.key != "bizTransaction" {
                report(path + "." + member.key, .unknownField)
            }
            let type: BusinessTransactionType? = object["type"].flatMap { term($0, path + ".type") }
            guard let idValue = object["bizTransaction"] else {
                report(path + ".bizTransaction", .missing)
                continue
            }
            if let id = uri(idValue, path + ".bizTransaction") { result.append(BizTransaction(type: type, id: id)) }
        }
        return result
    }

    private mutating func quantities(_ json: JSONValue, _ field: String) -> [QuantityElement] {
        guard case .array(let elements) = json else {
            wrongType(field, expected: "array", json)
            return []
        }
        var result: [QuantityElement] = []
        for (i, element) in elements.enumerated() {
            let path = "\(field)[\(i)]"
            guard case .object(let object) = element else {
                wrongType(path, expected: "object", element)
                continue
            }
            var valid = true
            var quantity: Double?
            var uom: String?
            for member in object.members {
                switch member.key {
                case "epcClass": break
                case "quantity":
                    if case .number(let n) = member.value, let d = Double(n), d.isFinite, d >= 0 {
                        quantity = d
                    } else if case .number(let n) = member.value {
                        report(path + ".quantity", .invalidValue(n, expected: "a non-negative number"))
                        valid = false
                    } else {
                        wrongType(path + ".quantity", expected: "number", member.value)
                        valid = false
                    }
                case "uom":
                    if let s = string(member.value, path + ".uom") {
                        if (2...3).contains(s.count), s.utf8.allSatisfy({ URISyntax.isDigit($0) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) }) {
                            uom = s
                        } else {
                            report(path + ".uom", .invalidValue(s, expected: "a UN/ECE Recommendation 20 unit code such as KGM"))
                            valid = false
                        }
                    } else {
                        valid = false
                    }
                default:
                    report(path + "." + member.key, .unknownField)
                }
            }
            if uom != nil, object["quantity"] == nil {
                report(path + ".uom", .ruleViolation("uom requires quantity"))
                valid = false
            }
            guard let classValue = object["epcClass"] else {
                report(path + ".epcClass", .missing)
                continue
            }
            if let epcClass = uri(classValue, path + ".epcClass"), valid {
                result.append(QuantityElement(epcClass: epcClass, quantity: quantity, uom: uom))
            }
        }
        return result
    }

    // MARK: Extensions

    /// Resolves `prefix:local` against `@context`; reports and returns nil if it cannot.
    private mutating func extensionName(_ key: String, field: String) -> ExtensionName? {
        guard let colon = key.firstIndex(of: ":") else {
            report(field, .unknownField)
            return nil
        }
        let prefix = String(key[..<colon])
        let local = String(key[key.index(after: colon)...])
        guard !local.isEmpty, !local.contains("/"), let namespace = prefixes[prefix] else {
            report(field, .undeclaredPrefix(prefix))
            return nil
        }
        return ExtensionName(namespace: namespace, localName: local)
    }

    private mutating func extensionValue(_ json: JSONValue, field: String, insideArray: Bool = false) -> ExtensionValue? {
        switch json {
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .number(let n):
            guard let d = Double(n), d.isFinite else {
                report(field, .invalidValue(n, expected: "a finite number"))
                return nil
            }
            return .number(d)
        case .null:
            report(field, .invalidValue("null", expected: "a string, number, boolean, object or array"))
            return nil
        case .array(let elements):
            guard !insideArray else {
                report(field, .invalidValue("nested array", expected: "repeated values, not arrays of arrays"))
                return nil
            }
            var values: [ExtensionValue] = []
            for (i, element) in elements.enumerated() {
                if let v = extensionValue(element, field: "\(field)[\(i)]", insideArray: true) { values.append(v) }
            }
            return .array(values)
        case .object(let object):
            var children: [ExtensionField] = []
            for member in object.members {
                let path = field + "." + member.key
                if member.key.hasPrefix("@") {
                    report(path, .unsupportedField)
                    continue
                }
                guard let name = extensionName(member.key, field: path), let value = extensionValue(member.value, field: path) else { continue }
                children.append(ExtensionField(name, value))
            }
            return .object(children)
        }
    }
}

private extension JSONValue {
    var isArray: Bool {
        if case .array = self { true } else { false }
    }
}
