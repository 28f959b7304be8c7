import EPCIS
import Foundation
import Testing

/// One rejected input and exactly the issues the server must report for it.
struct ValidationCase: Sendable, CustomTestStringConvertible {
    var name: String
    var json: String
    var expected: [EPCISIssue]
    var testDescription: String { name }
}

private let baseEvent: [(String, String)] = [
    ("type", #""ObjectEvent""#),
    ("eventTime", #""2025-03-14T09:15:02.481+07:00""#),
    ("eventTimeZoneOffset", #""+07:00""#),
    ("epcList", #"["https://id.gs1.org/01/08938512345017/21/A1"]"#),
    ("action", #""OBSERVE""#),
    ("bizStep", #""inspecting""#),
    ("readPoint", #"{"id":"https://id.gs1.org/414/8938512340005"}"#),
]

private let baseAggregation: [(String, String)] = [
    ("type", #""AggregationEvent""#),
    ("eventTime", #""2025-03-14T09:15:02.481+07:00""#),
    ("eventTimeZoneOffset", #""+07:00""#),
    ("parentID", #""https://id.gs1.org/00/089385120000000015""#),
    ("childEPCs", #"["https://id.gs1.org/01/08938512345017/21/A1"]"#),
    ("action", #""ADD""#),
    ("bizStep", #""packing""#),
]

/// The base event with keys replaced (raw JSON), removed (`nil`) or appended.
private func event(_ changes: KeyValuePairs<String, String?> = [:], base: [(String, String)] = baseEvent) -> String {
    var members = base
    for (key, value) in changes {
        if let index = members.firstIndex(where: { $0.0 == key }) {
            if let value { members[index].1 = value } else { members.remove(at: index) }
        } else if let value {
            members.append((key, value))
        }
    }
    return "{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
}

private let contextJSON = #"["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",{"txng":"urn:vn:txng:station:"}]"#

/// A document whose event 0 is valid and whose event 1 is `second`.
private func document(second: String) -> String {
    #"{"@context":\#(contextJSON),"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2025-03-14T09:20:00.000+07:00","epcisBody":{"eventList":[\#(event()),\#(second)]}}"#
}

private func document(header changes: KeyValuePairs<String, String?>) -> String {
    var members: [(String, String)] = [
        ("@context", contextJSON), ("type", #""EPCISDocument""#), ("schemaVersion", #""2.0""#),
        ("creationDate", #""2025-03-14T09:20:00.000+07:00""#), ("epcisBody", #"{"eventList":[\#(event())]}"#),
    ]
    for (key, value) in changes {
        if let index = members.firstIndex(where: { $0.0 == key }) {
            if let value { members[index].1 = value } else { members.remove(at: index) }
        } else if let value {
            members.append((key, value))
        }
    }
    return "{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
}

private func at(_ field: String, _ problem: EPCISProblem) -> EPCISIssue {
    EPCISIssue(eventIndex: 1, field: field, problem: problem)
}

private func doc(_ field: String, _ problem: EPCISProblem) -> EPCISIssue {
    EPCISIssue(eventIndex: nil, field: field, problem: problem)
}

private let eventCases: [ValidationCase] = [
    ValidationCase(name: "missing eventTime", json: document(second: event(["eventTime": nil])),
                   expected: [at("eventTime", .missing)]),
    ValidationCase(name: "eventTime with a space instead of T", json: document(second: event(["eventTime": #""2025-03-14 09:15:02.481+07:00""#])),
                   expected: [at("eventTime", .invalidTimestamp("2025-03-14 09:15:02.481+07:00"))]),
    ValidationCase(name: "eventTime without offset", json: document(second: event(["eventTime": #""2025-03-14T09:15:02.481""#])),
                   expected: [at("eventTime", .invalidTimestamp("2025-03-14T09:15:02.481"))]),
    ValidationCase(name: "eventTime on 30 February", json: document(second: event(["eventTime": #""2025-02-30T09:15:02+07:00""#])),
                   expected: [at("eventTime", .invalidTimestamp("2025-02-30T09:15:02+07:00"))]),
    ValidationCase(name: "eventTime at hour 24", json: document(second: event(["eventTime": #""2025-03-14T24:00:00Z""#])),
                   expected: [at("eventTime", .invalidTimestamp("2025-03-14T24:00:00Z"))]),
    ValidationCase(name: "eventTime as a number", json: document(second: event(["eventTime": "1741918502481"])),
                   expected: [at("eventTime", .wrongType(expected: "string", found: "number"))]),
    ValidationCase(name: "missing eventTimeZoneOffset", json: document(second: event(["eventTimeZoneOffset": nil])),
                   expected: [at("eventTimeZoneOffset", .missing)]),
    ValidationCase(name: "one-digit offset hour", json: document(second: event(["eventTimeZoneOffset": #""+7:00""#])),
                   expected: [at("eventTimeZoneOffset", .invalidTimeZoneOffset("+7:00"))]),
    ValidationCase(name: "offset beyond +14:00", json: document(second: event(["eventTimeZoneOffset": #""+14:30""#])),
                   expected: [at("eventTimeZoneOffset", .invalidTimeZoneOffset("+14:30"))]),
    ValidationCase(name: "offset written as Z", json: document(second: event(["eventTimeZoneOffset": #""Z""#])),
                   expected: [at("eventTimeZoneOffset", .invalidTimeZoneOffset("Z"))]),
    ValidationCase(name: "unknown event type", json: document(second: event(["type": #""ObjEvent""#])),
                   expected: [at("type", .unknownEventType("ObjEvent"))]),
    ValidationCase(name: "TransformationEvent is not supported", json: document(second: event(["type": #""TransformationEvent""#])),
                   expected: [at("type", .unsupportedEventType("TransformationEvent"))]),
    ValidationCase(name: "missing type", json: document(second: event(["type": nil])),
                   expected: [at("type", .missing)]),
    ValidationCase(name: "bad action", json: document(second: event(["action": #""ADDED""#])),
                   expected: [at("action", .invalidAction("ADDED"))]),
    ValidationCase(name: "lower-case action", json: document(second: event(["action": #""observe""#])),
                   expected: [at("action", .invalidAction("observe"))]),
    ValidationCase(name: "missing action", json: document(second: event(["action": nil])),
                   expected: [at("action", .missing)]),
    ValidationCase(name: "misspelt bizStep", json: document(second: event(["bizStep": #""comissioning""#])),
                   expected: [at("bizStep", .invalidVocabulary("comissioning"))]),
    ValidationCase(name: "non-CBV word in the CBV disposition URN space", json: document(second: event(["disposition": #""urn:epcglobal:cbv:disp:bogus""#])),
                   expected: [at("disposition", .invalidVocabulary("urn:epcglobal:cbv:disp:bogus"))]),
    ValidationCase(name: "EPCIS 1.x readPoint string", json: document(second: event(["readPoint": #""urn:epc:id:sgln:8938512.34000.0""#])),
                   expected: [at("readPoint", .wrongType(expected: "object with an id", found: "string"))]),
    ValidationCase(name: "readPoint without id", json: document(second: event(["readPoint": "{}"])),
                   expected: [at("readPoint.id", .missing)]),
    ValidationCase(name: "bizLocation id not a URI", json: document(second: event(["bizLocation": #"{"id":"Kho Hà Nội"}"#])),
                   expected: [at("bizLocation.id", .invalidURI("Kho Hà Nội"))]),
    ValidationCase(name: "an EPC that is not a URI", json: document(second: event(["epcList": #"["https://id.gs1.org/01/08938512345017/21/A1","K7QM2X9PA4"]"#])),
                   expected: [at("epcList[1]", .invalidURI("K7QM2X9PA4"))]),
    ValidationCase(name: "epcList not an array", json: document(second: event(["epcList": #""https://id.gs1.org/01/08938512345017/21/A1""#])),
                   expected: [at("epcList", .wrongType(expected: "array of URIs", found: "string"))]),
    ValidationCase(name: "ObjectEvent with no objects", json: document(second: event(["epcList": "[]"])),
                   expected: [at("epcList", .ruleViolation("an ObjectEvent must name at least one object in epcList or quantityList"))]),
    ValidationCase(name: "negative quantity", json: document(second: event(["quantityList": #"[{"epcClass":"https://id.gs1.org/01/08938512345024/10/L1","quantity":-1}]"#])),
                   expected: [at("quantityList[0].quantity", .invalidValue("-1", expected: "a non-negative number"))]),
    ValidationCase(name: "lower-case unit", json: document(second: event(["quantityList": #"[{"epcClass":"https://id.gs1.org/01/08938512345024/10/L1","quantity":2,"uom":"kg"}]"#])),
                   expected: [at("quantityList[0].uom", .invalidValue("kg", expected: "a UN/ECE Recommendation 20 unit code such as KGM"))]),
    ValidationCase(name: "quantity element without epcClass", json: document(second: event(["quantityList": #"[{"quantity":2}]"#])),
                   expected: [at("quantityList[0].epcClass", .missing)]),
    ValidationCase(name: "aggregation ADD without parentID", json: document(second: event(["parentID": nil], base: baseAggregation)),
                   expected: [at("parentID", .ruleViolation("parentID is required when action is ADD"))]),
    ValidationCase(name: "aggregation ADD without children", json: document(second: event(["childEPCs": nil], base: baseAggregation)),
                   expected: [at("childEPCs", .ruleViolation("an ADD AggregationEvent must name at least one child in childEPCs or childQuantityList"))]),
    ValidationCase(name: "epcList on an AggregationEvent", json: document(second: event(["epcList": #"["https://id.gs1.org/01/08938512345017/21/A2"]"#], base: baseAggregation)),
                   expected: [at("epcList", .unknownField)]),
    ValidationCase(name: "ilmd on an OBSERVE event", json: document(second: event(["ilmd": #"{"cbvmda:lotNumber":"L1"}"#])),
                   expected: [at("ilmd", .ruleViolation("ilmd is only allowed when action is ADD"))]),
    ValidationCase(name: "expiry date in Vietnamese day/month order", json: document(second: event(["action": #""ADD""#, "ilmd": #"{"cbvmda:itemExpirationDate":"13/03/2026"}"#])),
                   expected: [at("ilmd.cbvmda:itemExpirationDate", .invalidValue("13/03/2026", expected: "a date YYYY-MM-DD"))]),
    ValidationCase(name: "ilmd key without a prefix", json: document(second: event(["action": #""ADD""#, "ilmd": #"{"lotNumber":"L1"}"#])),
                   expected: [at("ilmd.lotNumber", .unknownField)]),
    ValidationCase(name: "undeclared prefix", json: document(second: event(["foo:bar": #""x""#])),
                   expected: [at("foo:bar", .undeclaredPrefix("foo"))]),
    ValidationCase(name: "unknown unprefixed field", json: document(second: event(["colour": #""red""#])),
                   expected: [at("colour", .unknownField)]),
    ValidationCase(name: "sourceList is valid EPCIS but not modelled", json: document(second: event(["sourceList": "[]"])),
                   expected: [at("sourceList", .unsupportedField)]),
    ValidationCase(name: "event-level @context inside a document", json: document(second: event(["@context": contextJSON])),
                   expected: [at("@context", .unsupportedField)]),
    ValidationCase(name: "unknown station field", json: document(second: event(["txng:stationID": #""ST-1""#, "txng:colour": #""red""#])),
                   expected: [at("txng:colour", .unknownField)]),
    ValidationCase(name: "station fields without stationID", json: document(second: event(["txng:operatorID": #""OP-1""#])),
                   expected: [at("txng:stationID", .ruleViolation("stationID is required when any station field is present"))]),
    ValidationCase(name: "negative station sequence", json: document(second: event(["txng:stationID": #""ST-1""#, "txng:sequence": "-1"])),
                   expected: [at("txng:sequence", .invalidValue("-1", expected: "a non-negative integer"))]),
    ValidationCase(name: "station sequence as a string", json: document(second: event(["txng:stationID": #""ST-1""#, "txng:sequence": #""5""#])),
                   expected: [at("txng:sequence", .wrongType(expected: "integer", found: "string"))]),
    ValidationCase(name: "reprintOf not a URI", json: document(second: event(["txng:stationID": #""ST-1""#, "txng:reprintOf": #""event 42""#])),
                   expected: [at("txng:reprintOf", .invalidURI("event 42"))]),
    ValidationCase(name: "bizTransaction without identifier", json: document(second: event(["bizTransactionList": #"[{"type":"po"}]"#])),
                   expected: [at("bizTransactionList[0].bizTransaction", .missing)]),
    ValidationCase(name: "unknown business transaction type word", json: document(second: event(["bizTransactionList": #"[{"type":"purchase","bizTransaction":"urn:epcglobal:cbv:bt:8938512340005:1"}]"#])),
                   expected: [at("bizTransactionList[0].type", .invalidVocabulary("purchase"))]),
    ValidationCase(name: "errorDeclaration without declarationTime", json: document(second: event(["errorDeclaration": #"{"reason":"incorrect_data"}"#])),
                   expected: [at("errorDeclaration.declarationTime", .missing)]),
    ValidationCase(name: "extension value null", json: document(second: event(["txng:stationID": #""ST-1""#, "gs1:note": "null"])),
                   expected: [at("gs1:note", .invalidValue("null", expected: "a string, number, boolean, object or array"))]),
    ValidationCase(name: "several problems in one event are all reported, in document order",
                   json: document(second: event(["eventTime": #""yesterday""#, "action": #""MOVE""#, "bizStep": #""teleporting""#])),
                   expected: [at("eventTime", .invalidTimestamp("yesterday")), at("action", .invalidAction("MOVE")),
                              at("bizStep", .invalidVocabulary("teleporting"))]),
    ValidationCase(name: "an event that is not an object", json: document(second: #""ObjectEvent""#),
                   expected: [at("(event)", .wrongType(expected: "object", found: "string"))]),
]

private let documentCases: [ValidationCase] = [
    ValidationCase(name: "missing @context", json: document(header: ["@context": nil]),
                   expected: [doc("@context", .missing)]),
    ValidationCase(name: "@context without the GS1 context", json: document(header: ["@context": #"[{"txng":"urn:vn:txng:station:"}]"#]),
                   expected: [doc("@context", .ruleViolation("@context must include the GS1 EPCIS context https://ref.gs1.org/standards/epcis/epcis-context.jsonld"))]),
    ValidationCase(name: "unresolvable remote context", json: document(header: ["@context": #"["https://ref.gs1.org/standards/epcis/epcis-context.jsonld","https://example.com/my-context.jsonld"]"#]),
                   expected: [doc("@context[1]", .unsupportedContext("https://example.com/my-context.jsonld"))]),
    ValidationCase(name: "@vocab in @context", json: document(header: ["@context": #"["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",{"@vocab":"https://example.com/"}]"#]),
                   expected: [doc("@context[1].@vocab", .unsupportedContext("@vocab"))]),
    ValidationCase(name: "cbvmda redefined", json: document(header: ["@context": #"["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",{"cbvmda":"https://example.com/mda/"}]"#]),
                   expected: [doc("@context[1].cbvmda", .invalidValue("https://example.com/mda/", expected: "the CBV master data namespace urn:epcglobal:cbv:mda"))]),
    ValidationCase(name: "query document type", json: document(header: ["type": #""EPCISQueryDocument""#]),
                   expected: [doc("type", .invalidValue("EPCISQueryDocument", expected: "EPCISDocument"))]),
    ValidationCase(name: "EPCIS 1.2 schemaVersion", json: document(header: ["schemaVersion": #""1.2""#]),
                   expected: [doc("schemaVersion", .invalidValue("1.2", expected: "\"2.0\""))]),
    ValidationCase(name: "numeric schemaVersion", json: document(header: ["schemaVersion": "2.0"]),
                   expected: [doc("schemaVersion", .wrongType(expected: "string", found: "number"))]),
    ValidationCase(name: "missing creationDate", json: document(header: ["creationDate": nil]),
                   expected: [doc("creationDate", .missing)]),
    ValidationCase(name: "missing epcisBody", json: document(header: ["epcisBody": nil]),
                   expected: [doc("epcisBody", .missing)]),
    ValidationCase(name: "eventList not an array", json: document(header: ["epcisBody": #"{"eventList":{}}"#]),
                   expected: [doc("epcisBody.eventList", .wrongType(expected: "array", found: "object"))]),
    ValidationCase(name: "epcisHeader is not supported", json: document(header: ["epcisHeader": "{}"]),
                   expected: [doc("epcisHeader", .unsupportedField)]),
]

@Suite("Decoding and validation of incoming documents")
struct ValidationTests {
    @Test("event-level problems name the event index and field", arguments: eventCases)
    func eventProblems(_ c: ValidationCase) {
        #expect(throws: EPCISDecodingError.invalid(c.expected)) {
            try EPCISDocument(jsonData: Data(c.json.utf8))
        }
    }

    @Test("document-level problems name the field", arguments: documentCases)
    func documentProblems(_ c: ValidationCase) {
        #expect(throws: EPCISDecodingError.invalid(c.expected)) {
            try EPCISDocument(jsonData: Data(c.json.utf8))
        }
    }

    @Test("the templates themselves are valid")
    func templatesValid() throws {
        let decoded = try EPCISDocument(jsonData: Data(document(second: event(base: baseAggregation)).utf8))
        #expect(decoded.events.map(\.eventType) == [.objectEvent, .aggregationEvent])
        #expect(try EPCISDocument(jsonData: Data(document(header: [:]).utf8)).events.count == 1)
    }

    @Test("malformed JSON reports the byte offset", arguments: [
        (#"{"type":"EPCISDocument",}"#, 24, "expected an object key"),
        (#"{"a":1,"a":2}"#, 7, "duplicate key \"a\""),
        (#"{"a":"\ud800"}"#, 12, "unpaired high surrogate"),
        (#"{"a":01}"#, 6, "expected ',' or '}' in an object"),
        (#"{"a":tru}"#, 5, "invalid literal"),
        ("", 0, "unexpected end of input"),
        (#"{"a":1} x"#, 8, "unexpected data after the top-level value"),
    ])
    func malformed(json: String, offset: Int, reason: String) {
        #expect(throws: EPCISDecodingError.malformedJSON(byteOffset: offset, reason: reason)) {
            try EPCISDocument(jsonData: Data(json.utf8))
        }
    }

    @Test("invalid UTF-8, raw control characters and excessive nesting are rejected")
    func hostileInput() {
        #expect(throws: EPCISDecodingError.malformedJSON(byteOffset: 8, reason: "string is not valid UTF-8")) {
            try EPCISDocument(jsonData: [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x22, 0x7D])
        }
        #expect(throws: EPCISDecodingError.malformedJSON(byteOffset: 6, reason: "unescaped control character in a string")) {
            try EPCISDocument(jsonData: Data("{\"a\":\"\u{01}\"}".utf8))
        }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: EPCISDecodingError.malformedJSON(byteOffset: 64, reason: "nesting deeper than 64 levels")) {
            try EPCISDocument(jsonData: Data(deep.utf8))
        }
    }

    @Test("issue descriptions are readable and located")
    func descriptions() throws {
        let error = #expect(throws: EPCISDecodingError.self) {
            try EPCISDocument(jsonData: Data(document(second: event(["eventTime": #""2025-03-14""#])).utf8))
        }
        #expect(error?.description == "event 1, eventTime: '2025-03-14' is not a timestamp like 2025-03-14T09:15:02.481+07:00 (date, time and offset required)")
        #expect(error?.issues.count == 1)
        #expect(EPCISDecodingError.malformedJSON(byteOffset: 3, reason: "invalid literal").description == "malformed JSON at byte 3: invalid literal")
    }

    @Test("a broken generator's flood of errors is capped")
    func issueCap() {
        let bad = event(["action": #""NOPE""#])
        let json = #"{"@context":\#(contextJSON),"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2025-03-14T09:20:00Z","epcisBody":{"eventList":[\#(Array(repeating: bad, count: 250).joined(separator: ","))]}}"#
        let error = #expect(throws: EPCISDecodingError.self) { try EPCISDocument(jsonData: Data(json.utf8)) }
        #expect(error?.issues.count == EPCISDecodingError.maximumIssues)
        #expect(error?.issues.first == EPCISIssue(eventIndex: 0, field: "action", problem: .invalidAction("NOPE")))
    }

    @Test("accepted variants: legacy URNs and web URIs fold to CBV bare words, custom URIs stay")
    func acceptedVariants() throws {
        let json = document(second: event([
            "bizStep": #""urn:epcglobal:cbv:bizstep:receiving""#,
            "disposition": #""https://ref.gs1.org/cbv/Disp-in_progress""#,
            "bizTransactionList": #"[{"type":"https://example.vn/btt/hop-dong","bizTransaction":"urn:epcglobal:cbv:bt:8938512340005:HD-1"}]"#,
        ]))
        let event = try EPCISDocument(jsonData: Data(json.utf8)).events[1]
        #expect(event.bizStep == .receiving)
        #expect(event.disposition == .inProgress)
        guard case .object(let o) = event else {
            Issue.record("expected an ObjectEvent")
            return
        }
        #expect(o.bizTransactionList.first?.type?.rawValue == "https://example.vn/btt/hop-dong")
        #expect(o.bizTransactionList.first?.type?.isStandard == false)
    }

    @Test("a single event without @context understands cbvmda:, gs1: and txng:, but not other prefixes")
    func singleEventPrefixes() throws {
        let ok = event(["action": #""ADD""#, "ilmd": #"{"cbvmda:lotNumber":"L1"}"#, "txng:stationID": #""ST-1""#, "gs1:note": #""x""#])
        let decoded = try EPCISEvent(jsonData: Data(ok.utf8))
        #expect(decoded.station?.stationID == "ST-1")
        #expect(throws: EPCISDecodingError.invalid([EPCISIssue(eventIndex: nil, field: "ex:note", problem: .undeclaredPrefix("ex"))])) {
            try EPCISEvent(jsonData: Data(event(["ex:note": #""x""#]).utf8))
        }
    }
}
