import EPCIS
import Foundation
import Testing

/// A station document exercising every encoded field; its bytes are pinned in Fixtures/golden.
let stationDocument: EPCISDocument = {
    let commissioning = ObjectEvent(
        eventID: "urn:uuid:6f1c3d2e-8a51-4c2f-9b0e-1d2c3b4a5f60",
        eventTime: Date(timeIntervalSince1970: 1_741_918_507.003),
        recordTime: Date(timeIntervalSince1970: 1_741_918_560),
        epcList: ["https://id.gs1.org/01/08938512345017/21/K7QM2X9PA4", "https://id.gs1.org/01/08938512345017/21/K7QM2X9PA9"],
        quantityList: [QuantityElement(epcClass: "https://id.gs1.org/01/08938512345024/10/MD250314A", quantity: 2.5, uom: "KGM")],
        action: .add,
        bizStep: .commissioning,
        disposition: .active,
        readPoint: "https://id.gs1.org/414/8938512340005/254/LINE01",
        bizLocation: "https://id.gs1.org/414/8938512340005",
        bizTransactionList: [BizTransaction(type: .productionOrder, id: "urn:epcglobal:cbv:bt:8938512340005:LSX-0314")],
        ilmd: ILMD(lotNumber: "MD250314A", itemExpirationDate: "2026-03-13", bestBeforeDate: "2026-01-31"),
        station: StationFields(stationID: "ST-HN-01", operatorID: "OP-nguyenvana", sequence: 1024, reason: "Lô sáng \"ca 1\""),
        extensions: [ExtensionField(ExtensionName(namespace: "https://ns.example.vn/epcis/", localName: "line"),
                                    .object([ExtensionField(ExtensionName(namespace: "https://ns.example.vn/epcis/", localName: "speed"), .number(120)),
                                             ExtensionField(ExtensionName(namespace: "https://ns.example.vn/epcis/", localName: "shift"), .array([.string("A"), .string("B")]))]))])
    let packing = AggregationEvent(
        eventTime: Date(timeIntervalSince1970: 1_741_927_231.9),
        parentID: "https://id.gs1.org/00/089385120000000015",
        childEPCs: ["https://id.gs1.org/01/08938512345017/21/K7QM2X9PA4"],
        childQuantityList: [QuantityElement(epcClass: "https://id.gs1.org/01/08938512345024/10/MD250314A", quantity: 12)],
        action: .add,
        bizStep: .packing,
        disposition: .inProgress,
        readPoint: "https://id.gs1.org/414/8938512340005/254/PACK1",
        errorDeclaration: ErrorDeclaration(declarationTime: Date(timeIntervalSince1970: 1_742_000_000), reason: .incorrectData,
                                           correctiveEventIDs: ["urn:uuid:0b7f4a4e-2f6d-4f55-a0d5-5e4c9a3b1c22"]),
        station: StationFields(stationID: "ST-HN-03", sequence: 5, reprintOf: "urn:uuid:5d2a6c1e-3b4f-4a8e-9c7d-2e1f0a9b8c7d"))
    return EPCISDocument(
        documentID: "urn:uuid:1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d",
        creationDate: Date(timeIntervalSince1970: 1_741_928_400),
        events: [.object(commissioning), .aggregation(packing)])
}()

@Suite("JSON-LD encoding goldens")
struct GoldenEncodingTests {
    @Test("the MISSION sample event encodes byte for byte")
    func missionGolden() throws {
        #expect(missionEvent.jsonData().utf8String == missionGoldenJSON)
        #expect(try Fixtures.text("golden/mission-event.json") == missionGoldenJSON)
    }

    @Test("the MISSION sample decodes to the event built in Swift and re-encodes identically")
    func missionDecodes() throws {
        let decoded = try EPCISEvent(jsonData: Data(missionGoldenJSON.utf8))
        #expect(decoded == missionEvent)
        #expect(decoded.jsonData().utf8String == missionGoldenJSON)
        guard case .object(let o) = decoded else {
            Issue.record("expected an ObjectEvent")
            return
        }
        #expect(o.ilmd.lotNumber == "MD250314A")
        #expect(o.ilmd.itemExpirationDate == "2026-03-13")
        #expect(o.eventTimeZoneOffset == .vietnam)
        #expect(o.eventTime == missionTime)
    }

    @Test("a station document encodes to the pinned compact bytes")
    func stationDocumentCompact() throws {
        #expect(stationDocument.jsonData() == (try Fixtures.data("golden/station-document.json")))
    }

    @Test("pretty printing is pinned too and carries the same content")
    func stationDocumentPretty() throws {
        let pretty = stationDocument.jsonData(formatting: .prettyPrinted)
        #expect(pretty == (try Fixtures.data("golden/station-document.pretty.json")))
        #expect(try EPCISDocument(jsonData: pretty) == EPCISDocument(jsonData: stationDocument.jsonData()))
    }

    @Test("document header: @context with the GS1 context and the station namespace, then id, type, schemaVersion, creationDate")
    func documentHeader() throws {
        let doc = EPCISDocument(creationDate: missionTime, events: [missionEvent])
        let text = doc.jsonData().utf8String
        #expect(text.hasPrefix(#"{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",{"txng":"urn:vn:txng:station:"}],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2025-03-14T02:15:02.481Z","epcisBody":{"eventList":[{"type":"ObjectEvent""#))
    }

    @Test("encoding is deterministic and independent of dictionary iteration order")
    func deterministic() {
        var doc = stationDocument
        doc.namespaces = ["zz": "https://z.example/ns/", "aa": "https://a.example/ns/", "mm": "https://m.example/ns/"]
        let first = doc.jsonData()
        for _ in 0..<20 {
            var copy = EPCISDocument(documentID: doc.documentID, creationDate: doc.creationDate, events: doc.events, contextURL: doc.contextURL, namespaces: [:])
            for (k, v) in doc.namespaces.shuffled() { copy.namespaces[k] = v }
            #expect(copy.jsonData() == first)
        }
        #expect(first.utf8String.contains(#"{"aa":"https://a.example/ns/","mm":"https://m.example/ns/","ns1":"https://ns.example.vn/epcis/","txng":"urn:vn:txng:station:","zz":"https://z.example/ns/"}"#))
    }

    @Test("a declared prefix is reused instead of inventing one")
    func declaredPrefixReused() {
        var doc = stationDocument
        doc.namespaces = ["ex": "https://ns.example.vn/epcis/"]
        let text = doc.jsonData().utf8String
        #expect(text.contains(#""ex:line":{"ex:speed":120,"ex:shift":["A","B"]}"#))
        #expect(!text.contains("ns1"))
    }

    @Test("single event with its own @context")
    func singleEventWithContext() throws {
        let event = EPCISEvent.object(ObjectEvent(eventTime: missionTime, epcList: ["https://id.gs1.org/00/089385120000000015"],
                                                  action: .observe, station: StationFields(stationID: "ST-1")))
        let text = event.jsonData(includeContext: true).utf8String
        #expect(text == #"{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",{"txng":"urn:vn:txng:station:"}],"type":"ObjectEvent","eventTime":"2025-03-14T09:15:02.481+07:00","eventTimeZoneOffset":"+07:00","epcList":["https://id.gs1.org/00/089385120000000015"],"action":"OBSERVE","txng:stationID":"ST-1"}"#)
        #expect(try EPCISEvent(jsonData: Data(text.utf8)) == event)
    }

    @Test("times render in the event's own offset, across day and year boundaries")
    func timeRendering() {
        let instant = Date(timeIntervalSince1970: 1_735_689_599.999)  // 2024-12-31T23:59:59.999Z
        func render(_ offset: String) -> String {
            let e = EPCISEvent.object(ObjectEvent(eventTime: instant, eventTimeZoneOffset: TimeZoneOffset(rawValue: offset)!,
                                                  epcList: ["https://id.gs1.org/00/089385120000000015"], action: .observe))
            let text = e.jsonData().utf8String
            let start = text.range(of: #""eventTime":""#)!.upperBound
            return String(text[start...].prefix { $0 != "\"" })
        }
        #expect(render("+07:00") == "2025-01-01T06:59:59.999+07:00")
        #expect(render("-06:00") == "2024-12-31T17:59:59.999-06:00")
        #expect(render("+00:00") == "2024-12-31T23:59:59.999+00:00")
        #expect(render("+05:45") == "2025-01-01T05:44:59.999+05:45")
        #expect(render("-09:30") == "2024-12-31T14:29:59.999-09:30")
    }

    @Test("sub-millisecond Date values round to the millisecond, identically in JSON and hash")
    func subMillisecond() throws {
        let e = EPCISEvent.object(ObjectEvent(eventTime: Date(timeIntervalSince1970: 1_741_918_502.4816), epcList: ["https://id.gs1.org/00/089385120000000015"], action: .observe))
        #expect(e.jsonData().utf8String.contains("2025-03-14T09:15:02.482+07:00"))
        #expect(e.eventHash().preHashString.contains("eventTime=2025-03-14T02:15:02.482Z"))
        #expect(try EPCISEvent(jsonData: e.jsonData()).eventHash() == e.eventHash())
    }

    @Test("strings: Vietnamese stays UTF-8, quotes/backslashes/controls are escaped")
    func stringEscaping() throws {
        let reason = "Huỷ mã \"lỗi\" \\ tab\tend\u{01}"
        let e = EPCISEvent.object(ObjectEvent(eventTime: missionTime, epcList: ["https://id.gs1.org/00/089385120000000015"], action: .observe,
                                              station: StationFields(stationID: "ST-1", reason: reason)))
        let text = e.jsonData().utf8String
        #expect(text.contains(#""txng:reason":"Huỷ mã \"lỗi\" \\ tab\tend\u0001""#))
        #expect(try EPCISEvent(jsonData: e.jsonData()).station?.reason == reason)
    }

    @Test("non-finite quantities still produce valid JSON and are then rejected by validation")
    func nonFiniteQuantity() throws {
        let e = EPCISEvent.object(ObjectEvent(eventTime: missionTime, quantityList: [QuantityElement(epcClass: "https://id.gs1.org/01/08938512345024/10/L1", quantity: .nan, uom: "KGM")], action: .observe))
        #expect(e.jsonData().utf8String.contains(#""quantity":"nan""#))
        #expect(throws: EPCISDecodingError.self) { try e.validate() }
        #expect(throws: Never.self) { try missionEvent.validate() }
        #expect(throws: Never.self) { try stationDocument.validate() }
    }
}
