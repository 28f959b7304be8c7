import EPCIS
import Foundation
import Testing

@Suite("Decode → encode round trips")
struct RoundTripTests {
    @Test("every vector document survives decode → encode → decode with equal model, stable bytes and equal hashes",
          arguments: Fixtures.vectorDocuments)
    func vectors(file: String) throws {
        let original = try EPCISDocument(jsonData: Fixtures.data("vectors/" + file))
        let encoded = original.jsonData()
        let again = try EPCISDocument(jsonData: encoded)
        #expect(again == original)
        #expect(again.jsonData() == encoded)
        #expect(again.events.map { $0.eventHash() } == original.events.map { $0.eventHash() })
        #expect(again.contextURL == original.contextURL)
    }

    @Test("the golden station document round-trips byte for byte, compact and pretty")
    func goldenDocument() throws {
        for name in ["golden/station-document.json", "golden/station-document.pretty.json"] {
            let bytes = try Fixtures.data(name)
            let decoded = try EPCISDocument(jsonData: bytes)
            #expect(decoded.jsonData(formatting: name.contains("pretty") ? .prettyPrinted : .compact) == bytes)
        }
        let decoded = try EPCISDocument(jsonData: Fixtures.data("golden/station-document.json"))
        #expect(decoded.events == stationDocument.events)
        #expect(decoded.namespaces == ["ns1": "https://ns.example.vn/epcis/"])
    }

    @Test("decoding normalises spelling but keeps meaning: offsets, URNs, time zones")
    func normalisation() throws {
        let json = #"""
        {"@context":["https://gs1.github.io/EPCIS/epcis-context.jsonld",{"st":"urn:vn:txng:station:"}],
         "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2025-03-14T09:20:00+07:00",
         "epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2025-03-14T02:15:02.4815Z","eventTimeZoneOffset":"+07:00",
           "epcList":["urn:epc:id:sgtin:8938512.034501.K7QM2X9PA4"],"action":"OBSERVE",
           "bizStep":"urn:epcglobal:cbv:bizstep:inspecting","st:stationID":"ST-9"}]}}
        """#
        let document = try EPCISDocument(jsonData: Data(json.utf8))
        #expect(document.contextURL == EPCISContext.legacyGitHub)
        let text = document.jsonData().utf8String
        #expect(text.contains(#""creationDate":"2025-03-14T02:20:00.000Z""#))
        #expect(text.contains(#""eventTime":"2025-03-14T09:15:02.482+07:00""#))
        #expect(text.contains(#""bizStep":"inspecting""#))
        #expect(text.contains(#""st:stationID":"ST-9""#))
        #expect(text.contains(#""epcList":["urn:epc:id:sgtin:8938512.034501.K7QM2X9PA4"]"#), "identifiers are stored as sent")
        #expect(document.events[0].station?.stationID == "ST-9")
    }

    @Test("events built in Swift keep their hash through JSON", arguments: [0, 1])
    func swiftBuiltEvents(index: Int) throws {
        let event = stationDocument.events[index]
        let reparsed = try EPCISDocument(jsonData: stationDocument.jsonData()).events[index]
        #expect(reparsed == event)
        #expect(reparsed.eventHash() == event.eventHash())
    }

    @Test("a document with no events is valid")
    func emptyDocument() throws {
        let document = EPCISDocument(creationDate: missionTime, events: [])
        #expect(try EPCISDocument(jsonData: document.jsonData()) == document)
    }

    @Test("ILMD accessors edit in place and keep order")
    func ilmdAccessors() {
        var ilmd = ILMD(lotNumber: "L1", itemExpirationDate: "2026-03-13")
        ilmd.bestBeforeDate = "2026-01-01"
        ilmd.lotNumber = "L2"
        ilmd[ExtensionName(namespace: "https://ns.example.vn/epcis/", localName: "farm")] = .string("Đà Lạt")
        #expect(ilmd.fields.map(\.name.localName) == ["lotNumber", "itemExpirationDate", "bestBeforeDate", "farm"])
        #expect(ilmd.lotNumber == "L2")
        ilmd.itemExpirationDate = nil
        #expect(ilmd.fields.map(\.name.localName) == ["lotNumber", "bestBeforeDate", "farm"])
        #expect(ExtensionName.cbvmda("lotNumber").clarkNotation == "{urn:epcglobal:cbv:mda}lotNumber")
    }
}

@Suite("Edge cases of the model")
struct ModelEdgeTests {
    @Test("blank-node ids from GS1 examples are accepted and kept")
    func blankNodes() throws {
        let json = #"{"type":"ObjectEvent","eventID":"_:event1","eventTime":"2025-03-14T09:15:02.481+07:00","eventTimeZoneOffset":"+07:00","epcList":["https://id.gs1.org/00/089385120000000015"],"action":"OBSERVE"}"#
        let event = try EPCISEvent(jsonData: Data(json.utf8))
        #expect(event.eventID == "_:event1")
        #expect(event.jsonData().utf8String == json)
    }

    @Test("a document re-declaring cbvmda round-trips through the implicit GS1 prefix")
    func cbvmdaDeclared() throws {
        let json = #"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"cbvmda":"urn:epcglobal:cbv:mda:"}],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2025-03-14T02:20:00.000Z","epcisBody":{"eventList":[\#(missionGoldenJSON)]}}"#
        let document = try EPCISDocument(jsonData: Data(json.utf8))
        #expect(document.events == [missionEvent])
        #expect(document.namespaces.isEmpty)
        #expect(try EPCISDocument(jsonData: document.jsonData()) == document)
    }

    @Test("absurd dates are clamped to what xsd:dateTime can carry instead of trapping")
    func absurdDates() throws {
        for seconds in [Double.infinity, -Double.infinity, Double.nan, 1e300, -1e300] {
            let e = EPCISEvent.object(ObjectEvent(eventTime: Date(timeIntervalSince1970: seconds), epcList: ["https://id.gs1.org/00/089385120000000015"], action: .observe))
            #expect(throws: Never.self) { try e.validate() }
            _ = e.eventHash()
        }
        let far = EPCISEvent.object(ObjectEvent(eventTime: Date(timeIntervalSince1970: 1e300), eventTimeZoneOffset: .utc, epcList: ["https://id.gs1.org/00/089385120000000015"], action: .observe))
        #expect(far.jsonData().utf8String.contains(#""eventTime":"9999-12-31T09:59:59.999+00:00""#))
    }
}
