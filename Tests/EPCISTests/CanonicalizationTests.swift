import EPCIS
import Foundation
import Testing

@Suite("Identifier and value canonicalisation")
struct CanonicalizationTests {
    @Test("EPC URIs become canonical GS1 Digital Links", arguments: [
        ("urn:epc:id:sgtin:8938512.034501.K7QM2X9PA4", "https://id.gs1.org/01/08938512345017/21/K7QM2X9PA4"),
        ("urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017"),
        ("urn:epc:id:sgtin:8938512.034501.A!B(C)", "https://id.gs1.org/01/08938512345017/21/A%21B%28C%29"),
        ("urn:epc:id:sscc:8938512.0000000001", "https://id.gs1.org/00/089385120000000015"),
        ("urn:epc:id:sscc:4012345.0000000111", "https://id.gs1.org/00/040123450000001112"),
        ("urn:epc:id:sgln:8938512.34000.0", "https://id.gs1.org/414/8938512340005"),
        ("urn:epc:id:sgln:8938512.34000.LINE01", "https://id.gs1.org/414/8938512340005/254/LINE01"),
        ("urn:epc:id:sgln:893851234000..7", "https://id.gs1.org/414/8938512340005/254/7"),
        ("urn:epc:id:grai:8938512.34567.SN9", "https://id.gs1.org/8003/08938512345673SN9"),
        ("urn:epc:id:giai:8938512.PALLET-77", "https://id.gs1.org/8004/8938512PALLET-77"),
        ("urn:epc:id:gsrn:8938512.0000000001", "https://id.gs1.org/8018/893851200000000015"),
        ("urn:epc:id:pgln:8938512.34000", "https://id.gs1.org/417/8938512340005"),
        ("urn:epc:class:lgtin:8938512.034501.MD250301B", "https://id.gs1.org/01/08938512345017/10/MD250301B"),
        ("urn:epc:idpat:sgtin:8938512.034501.*", "https://id.gs1.org/01/08938512345017"),
    ])
    func epcURIs(input: String, expected: String) {
        #expect(EPCISCanonicalization.canonicalIdentifier(input) == expected)
    }

    /// The last two inputs are where epcis-event-hash-generator 1.9.3 gives up and hashes the
    /// URI verbatim (it strips no fragment and admits no percent-escapes); rule 18 asks for the
    /// canonical form, which is what this module produces.
    @Test("Digital Links are constrained: domain, query, short names, GTIN padding, CPV, lot under serial", arguments: [
        ("https://id.gs1.org/01/08938512345017/21/K7QM2X9PA4", "https://id.gs1.org/01/08938512345017/21/K7QM2X9PA4"),
        ("https://qr.example.vn/01/8938512345017/21/K7QM2X9PA4?17=260313", "https://id.gs1.org/01/08938512345017/21/K7QM2X9PA4"),
        ("http://id.gs1.org/01/08938512345017", "https://id.gs1.org/01/08938512345017"),
        ("https://example.com/shop/gtin/8938512345017/lot/L1/ser/S1", "https://id.gs1.org/01/08938512345017/21/S1"),
        ("https://id.gs1.org/01/08938512345017/22/V1/10/L1", "https://id.gs1.org/01/08938512345017/10/L1"),
        ("https://id.gs1.org/01/12345678/21/X", "https://id.gs1.org/01/00000012345678/21/X"),
        ("https://id.gs1.org/sscc/089385120000000015", "https://id.gs1.org/00/089385120000000015"),
        ("https://id.gs1.org/414/8938512340005/254/LINE01#top", "https://id.gs1.org/414/8938512340005/254/LINE01"),
        ("https://id.gs1.org/01/08938512345017/21/A%2FB", "https://id.gs1.org/01/08938512345017/21/A%2FB"),
    ])
    func digitalLinks(input: String, expected: String) {
        #expect(EPCISCanonicalization.canonicalIdentifier(input) == expected)
    }

    @Test("non-identifiers are left alone", arguments: [
        "https://ref.gs1.org/cbv/BizStep-shipping", "urn:uuid:6f1c3d2e-8a51-4c2f-9b0e-1d2c3b4a5f60",
        "urn:epcglobal:cbv:bt:8938512340005:PO-1", "geo:21.0285,105.8542", "https://example.vn/about",
        "urn:epc:id:sgtin:8938512.34501.X", "https://id.gs1.org/01/08938512345017/99/X",
        "https://id.gs1.org/01/08938512345017/21/THIS-SERIAL-IS-FAR-TOO-LONG",
    ])
    func notIdentifiers(input: String) {
        #expect(EPCISCanonicalization.canonicalIdentifier(input) == nil)
    }

    @Test("GS1 check digits")
    func checkDigits() {
        #expect(EPCISCanonicalization.checkDigit(for: "0893851234501") == 7)
        #expect(EPCISCanonicalization.checkDigit(for: "893851234000") == 5)
        #expect(EPCISCanonicalization.checkDigit(for: "08938512000000001") == 5)
        #expect(EPCISCanonicalization.checkDigit(for: "1061414107346") == 4)
        #expect(EPCISCanonicalization.checkDigit(for: "12a") == nil)
    }

    @Test("numbers are written without trailing zeros, also numeric-looking strings (as the reference does)")
    func numbers() throws {
        let ns = "https://ns.example.vn/epcis/"
        let e = ObjectEvent(
            eventTime: Date(timeIntervalSince1970: 0), eventTimeZoneOffset: .utc,
            quantityList: [QuantityElement(epcClass: "https://id.gs1.org/01/08938512345024/10/L1", quantity: 2.50, uom: "KGM"),
                           QuantityElement(epcClass: "https://id.gs1.org/01/08938512345024/10/L2", quantity: 10.0),
                           QuantityElement(epcClass: "https://id.gs1.org/01/08938512345024/10/L3", quantity: 0.00001)],
            action: .observe,
            extensions: [ExtensionField(ExtensionName(namespace: ns, localName: "a"), .string("0042")),
                         ExtensionField(ExtensionName(namespace: ns, localName: "b"), .string("+1.500")),
                         ExtensionField(ExtensionName(namespace: ns, localName: "c"), .string("1e3")),
                         ExtensionField(ExtensionName(namespace: ns, localName: "d"), .string("MD-0042")),
                         ExtensionField(ExtensionName(namespace: ns, localName: "e"), .number(-0.0))])
        let pre = e.eventHash().preHashString
        #expect(pre.contains("quantity=2.5uom=KGM"))
        #expect(pre.contains("/10/L2quantity=10quantityElement"))
        #expect(pre.contains("quantity=1e-05"))
        #expect(pre.hasSuffix("{\(ns)}a=42{\(ns)}b=1.5{\(ns)}c=1000{\(ns)}d=MD-0042{\(ns)}e=0"))
    }

    @Test("CBV URNs, standard CURIEs and whitespace in values")
    func values() {
        let ns = "https://ns.example.vn/epcis/"
        let e = ObjectEvent(
            eventTime: Date(timeIntervalSince1970: 0), eventTimeZoneOffset: .utc, epcList: ["https://id.gs1.org/00/089385120000000015"],
            action: .observe,
            extensions: [ExtensionField(ExtensionName(namespace: ns, localName: "a"), .string("  urn:epcglobal:cbv:disp:damaged ")),
                         ExtensionField(ExtensionName(namespace: ns, localName: "b"), .string("gs1:Temperature")),
                         ExtensionField(ExtensionName(namespace: ns, localName: "c"), .string("urn:epc:id:sscc:8938512.0000000001"))])
        #expect(e.eventHash().preHashString.hasSuffix(
            "{\(ns)}a=https://ref.gs1.org/cbv/Disp-damaged{\(ns)}b=https://gs1.org/voc/Temperature{\(ns)}c=https://id.gs1.org/00/089385120000000015"))
    }

    @Test("sorting is by code point, not by locale collation")
    func codePointOrder() {
        let e = ObjectEvent(eventTime: Date(timeIntervalSince1970: 0), eventTimeZoneOffset: .utc,
                            epcList: ["https://id.gs1.org/01/08938512345017/21/b", "https://id.gs1.org/01/08938512345017/21/B",
                                      "https://id.gs1.org/01/08938512345017/21/_"],
                            action: .observe)
        #expect(e.eventHash().preHashString.contains("21/Bepc=https://id.gs1.org/01/08938512345017/21/_epc=https://id.gs1.org/01/08938512345017/21/baction"))
    }
}

@Suite("Time zone offsets and timestamps")
struct TimeTests {
    @Test("offsets parse strictly", arguments: [
        ("+07:00", 420), ("-06:00", -360), ("+05:45", 345), ("+14:00", 840), ("-14:00", -840), ("-00:00", 0), ("+00:00", 0),
    ])
    func validOffsets(text: String, minutes: Int) throws {
        let offset = try #require(TimeZoneOffset(rawValue: text))
        #expect(offset.minutes == minutes)
        #expect(offset.description == text)
    }

    @Test("malformed offsets are rejected", arguments: ["+7:00", "07:00", "+0700", "+14:01", "+15:00", "+07:60", "Z", "", "+07:00 "])
    func invalidOffsets(text: String) {
        #expect(TimeZoneOffset(rawValue: text) == nil)
    }

    @Test("offsets from minutes and from time zones")
    func offsetConstructors() throws {
        #expect(TimeZoneOffset(minutes: 420) == .vietnam)
        #expect(TimeZoneOffset(minutes: -570)?.rawValue == "-09:30")
        #expect(TimeZoneOffset(minutes: 900) == nil)
        let hcm = try #require(TimeZone(identifier: "Asia/Ho_Chi_Minh"))
        #expect(TimeZoneOffset(timeZone: hcm, at: missionTime) == .vietnam)
    }

    @Test("timestamp fractions: none, short, long; fourth digit rounds half up", arguments: [
        ("2025-03-14T09:15:02+07:00", "2025-03-14T02:15:02.000Z"),
        ("2025-03-14T09:15:02.4+07:00", "2025-03-14T02:15:02.400Z"),
        ("2025-03-14T09:15:02.4814+07:00", "2025-03-14T02:15:02.481Z"),
        ("2025-03-14T09:15:02.4815+07:00", "2025-03-14T02:15:02.482Z"),
        ("2025-03-14T09:15:02.9996Z", "2025-03-14T09:15:03.000Z"),
        ("2024-02-29T23:59:59.999-00:30", "2024-03-01T00:29:59.999Z"),
        ("2025-01-01T00:00:00.000+14:00", "2024-12-31T10:00:00.000Z"),
    ])
    func timestamps(input: String, utc: String) throws {
        let json = #"{"type":"ObjectEvent","eventTime":"\#(input)","eventTimeZoneOffset":"+07:00","epcList":["https://id.gs1.org/00/089385120000000015"],"action":"OBSERVE"}"#
        let event = try EPCISEvent(jsonData: Data(json.utf8))
        #expect(event.eventHash().preHashString.contains("eventTime=" + utc + "eventTimeZoneOffset"))
    }

    @Test("impossible dates are rejected", arguments: [
        "2025-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2025-04-31T00:00:00Z", "2025-00-10T00:00:00Z",
        "2025-03-14T09:60:00Z", "2025-03-14T09:15:60Z", "0000-01-01T00:00:00Z", "2025-03-14T09:15:02.Z",
        "2025-03-14T09:15:02.481+0700", "2025-3-14T09:15:02Z",
    ])
    func impossibleDates(input: String) {
        let json = #"{"type":"ObjectEvent","eventTime":"\#(input)","eventTimeZoneOffset":"+07:00","epcList":["https://id.gs1.org/00/089385120000000015"],"action":"OBSERVE"}"#
        #expect(throws: EPCISDecodingError.invalid([EPCISIssue(eventIndex: nil, field: "eventTime", problem: .invalidTimestamp(input))])) {
            try EPCISEvent(jsonData: Data(json.utf8))
        }
    }
}
