import EPCIS
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing
import Trace
@testable import TraceServer

/// A server on a fresh SQLite store with two stations and an administrator.
struct Harness: Sendable {
    let core: TraceServerCore
    let ring: StampKeyRing
    let stationToken: String
    let hueToken: String
    let adminToken: String
    let configuration: ServerConfiguration

    static func make(maxBodySize: Int = 8 * 1024 * 1024, suspiciousLookups: Int = 50, ring: StampKeyRing = .generate()) async throws -> Harness {
        let dir = temporaryDirectory("ts-http")
        let storage = try SQLiteTraceStorage(dataDirectory: dir)
        try await storage.migrate()
        let core = TraceServerCore(storage: storage, keyRing: ring, logger: testLogger, suspiciousLookups: suspiciousLookups)
        var c = ServerConfiguration()
        c.dataDirectory = dir
        c.port = 0
        c.maxBodySize = maxBodySize
        return Harness(core: core, ring: ring,
                       stationToken: try await core.registerStation(id: "BK-NARI-01", name: "Dây chuyền 1", gln: "8938512340005"),
                       hueToken: try await core.registerStation(id: "HUE-01", name: "Kho Huế", gln: "8938512349992"),
                       adminToken: try await core.registerAdmin(name: "so-khcn"), configuration: c)
    }

    func run<T: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let app = try TraceServerApp.make(core: core, configuration: configuration, logger: testLogger)
        return try await app.test(.router, body)
    }

    static func auth(_ token: String, _ extra: HTTPFields = [:]) -> HTTPFields {
        var h = extra
        h[.authorization] = "Bearer \(token)"
        return h
    }
}

func json(_ body: ByteBuffer) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
}

@Suite("HTTP API") struct HTTPTests {
    @Test func captureAnswersPerEventAndIsIdempotent() async throws {
        let h = try await Harness.make()
        let f = try StationFixture(ring: h.ring)
        let (_, events) = try f.commission(3)
        let doc = ByteBuffer(bytes: try StationFixture.document(events))
        try await h.run { client in
            var headers = Harness.auth(h.stationToken)
            headers[.init("TXNG-First-Sequence")!] = "1"
            try await client.execute(uri: "/epcis/capture", method: .post, headers: headers, body: doc) { r in
                #expect(r.status == .ok)
                let a = try JSONDecoder().decode(CaptureAnswer.self, from: Data(r.body.readableBytesView))
                #expect(a.accepted == events.map(\.eventID))
                #expect(a.duplicates.isEmpty && a.rejected.isEmpty)
                #expect(a.contiguousSequence == 3)
            }
            try await client.execute(uri: "/epcis/capture", method: .post, headers: headers, body: doc) { r in
                let a = try JSONDecoder().decode(CaptureAnswer.self, from: Data(r.body.readableBytesView))
                #expect(a.accepted.isEmpty)
                #expect(a.duplicates == events.map(\.eventID))
            }
        }
    }

    @Test func authenticationAndAuthorization() async throws {
        let h = try await Harness.make()
        let f = try StationFixture(ring: h.ring)
        let (_, mine) = try f.commission(2)
        let (_, theirs) = try f.commission(1, station: "HUE-01")
        try await h.run { client in
            let doc = ByteBuffer(bytes: try StationFixture.document(mine))
            try await client.execute(uri: "/epcis/capture", method: .post, body: doc) { r in
                #expect(r.status == .unauthorized)
                #expect(r.headers[.wwwAuthenticate] != nil)
            }
            try await client.execute(uri: "/epcis/capture", method: .post, headers: Harness.auth("not-a-token"), body: doc) { r in
                #expect(r.status == .unauthorized)
            }
            try await client.execute(uri: "/epcis/capture", method: .post, headers: Harness.auth(h.adminToken), body: doc) { r in
                #expect(r.status == .forbidden)
            }
            // A station may not write another station's events: refused whole, naming the event.
            let mixed = ByteBuffer(bytes: try StationFixture.document(mine + theirs))
            try await client.execute(uri: "/epcis/capture", method: .post, headers: Harness.auth(h.stationToken), body: mixed) { r in
                #expect(r.status == .forbidden)
                let body = try json(r.body)
                #expect((body["error"] as? String)?.contains("event 2") == true)
                let rejected = try #require(body["rejected"] as? [[String: Any]])
                #expect(rejected.count == 1)
                #expect(rejected.first?["index"] as? Int == 2)
            }
            try await client.execute(uri: "/epcis/events?limit=100", method: .get, headers: Harness.auth(h.adminToken)) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains("\"eventList\":[]"))
            }
        }
    }

    @Test func invalidDocumentsNameTheEvent() async throws {
        let h = try await Harness.make(maxBodySize: 16 * 1024)
        let f = try StationFixture(ring: h.ring)
        let (_, events) = try f.commission(2)
        var text = String(decoding: try StationFixture.document(events), as: UTF8.self)
        // Break the second event's time.
        let t = try #require(text.range(of: "\"eventTime\":\"", options: .backwards))
        text.replaceSubrange(t.upperBound..<text.index(t.upperBound, offsetBy: 4), with: "20x5")
        let broken = text
        let (_, many) = try f.commission(120)
        let big = ByteBuffer(bytes: try StationFixture.document(many))
        #expect(big.readableBytes > 16 * 1024)
        try await h.run { client in
            try await client.execute(uri: "/epcis/capture", method: .post, headers: Harness.auth(h.stationToken), body: ByteBuffer(string: broken)) { r in
                #expect(r.status == .unprocessableContent)
                let rejected = try #require(try json(r.body)["rejected"] as? [[String: Any]])
                #expect(rejected.first?["index"] as? Int == 1)
                #expect((rejected.first?["reason"] as? String)?.contains("eventTime") == true)
            }
            try await client.execute(uri: "/epcis/capture", method: .post, headers: Harness.auth(h.stationToken), body: ByteBuffer(string: "{\"type\":")) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(uri: "/epcis/capture", method: .post, headers: Harness.auth(h.stationToken), body: big) { r in
                #expect(r.status == .contentTooLarge)
            }
        }
    }

    @Test func alteredEventIsRejectedAndTheRestStored() async throws {
        let h = try await Harness.make()
        let f = try StationFixture(ring: h.ring)
        let (_, events) = try f.commission(3)
        var decoded = try events.map { try $0.decoded() }
        guard case .object(var o) = decoded[1] else { Issue.record("expected object event"); return }
        o.disposition = .inactive        // content changed, eventID kept
        decoded[1] = .object(o)
        let doc = ByteBuffer(bytes: EPCISDocument(creationDate: Date(), events: decoded).jsonData())
        try await h.run { client in
            try await client.execute(uri: "/epcis/capture", method: .post, headers: Harness.auth(h.stationToken), body: doc) { r in
                #expect(r.status == .ok)
                let a = try JSONDecoder().decode(CaptureAnswer.self, from: Data(r.body.readableBytesView))
                #expect(a.accepted == [events[0].eventID, events[2].eventID])
                #expect(a.rejected.map(\.index) == [1])
            }
        }
    }

    @Test func queryReturnsAnEPCISQueryDocument() async throws {
        let h = try await Harness.make()
        let f = try StationFixture(ring: h.ring)
        let (r, events) = try f.commission(3)
        _ = try await h.core.capture(body: try StationFixture.document(events), station: try #require(try await h.core.storage.stations().first { $0.id == "BK-NARI-01" }), firstSequence: nil)
        let epc = Stamp.epc(gtin: r.gtin, serial: r.serial(at: 1))
        let encodedEPC = try #require(epc.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        try await h.run { client in
            try await client.execute(uri: "/epcis/events?epc=\(encodedEPC)", method: .get, headers: Harness.auth(h.stationToken)) { resp in
                #expect(resp.status == .ok)
                let doc = try json(resp.body)
                #expect(doc["type"] as? String == "EPCISQueryDocument")
                #expect(doc["schemaVersion"] as? String == "2.0")
                let body = try #require(doc["epcisBody"] as? [String: Any])
                let results = try #require(body["queryResults"] as? [String: Any])
                #expect(results["queryName"] as? String == "SimpleEventQuery")
                let list = try #require((results["resultsBody"] as? [String: Any])?["eventList"] as? [[String: Any]])
                #expect(list.count == 1)
                #expect(list.first?["eventID"] as? String == events[1].eventID)
                let one = try JSONSerialization.data(withJSONObject: list[0])
                #expect(try EPCISEvent(jsonData: one).eventHash().id == events[1].eventID)
            }
            try await client.execute(uri: "/epcis/events?lot=\(StationFixture.lot)&bizStep=commissioning&from=2020-01-01&limit=2", method: .get,
                                     headers: Harness.auth(h.adminToken)) { resp in
                #expect(String(buffer: resp.body).components(separatedBy: "\"eventID\"").count - 1 == 2)
            }
            try await client.execute(uri: "/epcis/events?from=yesterday", method: .get, headers: Harness.auth(h.adminToken)) { resp in
                #expect(resp.status == .badRequest)
            }
            try await client.execute(uri: "/epcis/events", method: .get) { resp in #expect(resp.status == .unauthorized) }
        }
    }

    @Test func eventsAreQueriedWithEPCISParameterNamesOnePageAtATime() async throws {
        let h = try await Harness.make()
        let f = try StationFixture(ring: h.ring)
        // Seven events, three of them at the same millisecond, so pages split ties by the row key.
        let t = Date(timeIntervalSince1970: 1_741_918_502.481)
        let (_, tied) = try f.commission(3, at: t)
        let (_, later) = try f.commission(4, at: t.addingTimeInterval(60))
        let all = tied + later
        _ = try await h.core.capture(body: try StationFixture.document(all), station: try #require(try await h.core.storage.stations().first { $0.id == "BK-NARI-01" }),
                                     firstSequence: nil)
        @Sendable func ids(_ body: ByteBuffer) throws -> [String] {
            let doc = try json(body)
            let results = try #require((doc["epcisBody"] as? [String: Any])?["queryResults"] as? [String: Any])
            return try #require((results["resultsBody"] as? [String: Any])?["eventList"] as? [[String: Any]]).compactMap { $0["eventID"] as? String }
        }
        try await h.run { client in
            var seen: [String] = []
            var next: String? = "/events?EQ_bizStep=commissioning&GE_eventTime=2025-03-14&EQ_ILMD_lotNumber=\(StationFixture.lot)&perPage=2"
            var pages = 0
            while let uri = next {
                pages += 1
                try await client.execute(uri: uri, method: .get, headers: Harness.auth(h.adminToken)) { resp in
                    #expect(resp.status == .ok)
                    seen += try ids(resp.body)
                    let link = resp.headers[HTTPField.Name("Link")!]
                    next = link.flatMap { l in l.split(separator: ">").first.map { String($0.dropFirst()) } }
                    if let link { #expect(link.hasSuffix("; rel=\"next\"") && link.contains("EQ_bizStep=commissioning")) }
                }
                if pages > 10 { break }
            }
            #expect(Set(seen) == Set(all.map(\.eventID)) && seen.count == all.count, "every event once, across \(pages) pages")
            #expect(pages == 4, "7 events, 2 per page: the last page has one and no next link")
            // The short names and the EPCIS names filter alike; MATCH_epc is one EPC.
            let epc = try #require(try all[5].decoded().identifiers.first)
            let encoded = try #require(epc.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let one = try await client.execute(uri: "/events?MATCH_epc=\(encoded)", method: .get, headers: Harness.auth(h.stationToken)) { try ids($0.body) }
            #expect(one == [all[5].eventID])
            let early = try await client.execute(uri: "/events?LT_eventTime=2025-03-14T09:16:00%2B07:00", method: .get, headers: Harness.auth(h.adminToken)) {
                try ids($0.body)
            }
            #expect(Set(early) == Set(tied.map(\.eventID)))
            // What the server does not evaluate is refused, not ignored; so are made-up tokens and duplicate filters.
            for bad in ["/events?EQ_disposition=active", "/events?nextPageToken=bm90LWEtdG9rZW4", "/events?epc=a&MATCH_epc=b",
                        "/events?MATCH_epc=\(encoded),\(encoded)", "/events?perPage=0"] {
                try await client.execute(uri: bad, method: .get, headers: Harness.auth(h.adminToken)) { resp in
                    #expect(resp.status == .badRequest, "\(bad)")
                    #expect(String(buffer: resp.body).contains("error"), "\(bad)")
                }
            }
        }
    }

    @Test func exportIsForAdministrators() async throws {
        let h = try await Harness.make()
        let f = try StationFixture(ring: h.ring)
        let (_, events) = try f.commission(4)
        let station = try #require(try await h.core.storage.stations().first { $0.id == "BK-NARI-01" })
        _ = try await h.core.capture(body: try StationFixture.document(events), station: station, firstSequence: nil)
        try await h.run { client in
            try await client.execute(uri: "/api/export?lot=\(StationFixture.lot)", method: .get, headers: Harness.auth(h.stationToken)) { r in
                #expect(r.status == .forbidden)
            }
            try await client.execute(uri: "/api/export?lot=\(StationFixture.lot)", method: .get, headers: Harness.auth(h.adminToken)) { r in
                #expect(r.status == .ok)
                let doc = try EPCISDocument(jsonData: Array(r.body.readableBytesView))
                #expect(doc.events.map { $0.eventHash().id } == events.map(\.eventID))
                #expect(doc.events.allSatisfy { if case .object(let o) = $0 { o.recordTime != nil } else { false } })
            }
        }
    }

    @Test func productRegistry() async throws {
        let h = try await Harness.make()
        let body = ByteBuffer(string: #"{"name":"Miến dong Na Rì","producer":"HTX Na Rì","producerAddress":"Na Rì, Bắc Kạn","producerGLN":"8938512340005"}"#)
        let foreign = ByteBuffer(string: #"{"name":"Thanh trà","producer":"HTX Thủy Biều","producerGLN":"8938512349992"}"#)
        try await h.run { client in
            try await client.execute(uri: "/api/products/08938512345017", method: .put, body: body) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/products/08938512345017", method: .put, headers: Harness.auth(h.stationToken), body: foreign) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/products/08938512345017", method: .put, headers: Harness.auth(h.stationToken), body: body) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/products/08938512345016", method: .put, headers: Harness.auth(h.adminToken), body: body) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/api/products/8938512345017", method: .get) { r in
                #expect(r.status == .ok)
                let product = try json(r.body)
                #expect(product["producerAddress"] as? String == "Na Rì, Bắc Kạn")
            }
            try await client.execute(uri: "/api/products/08938512349992", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func serialBlocksOverHTTP() async throws {
        let h = try await Harness.make()
        let request = ByteBuffer(string: #"{"gtin":"08938512345017","format":"random","count":1000}"#)
        try await h.run { client in
            var blocks: [SerialBlock] = []
            for token in [h.stationToken, h.hueToken] {
                try await client.execute(uri: "/api/serial-blocks", method: .post, headers: Harness.auth(token), body: request) { r in
                    #expect(r.status == .created)
                    blocks.append(try JSONDecoder().decode(SerialBlock.self, from: Data(r.body.readableBytesView)))
                }
            }
            #expect(blocks.map(\.start) == [0, 1000])
            #expect(blocks.map(\.end) == [1000, 2000])
            #expect(blocks.map(\.stationID) == ["BK-NARI-01", "HUE-01"])
            try await client.execute(uri: "/api/serial-blocks", method: .post, headers: Harness.auth(h.adminToken), body: request) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/serial-blocks", method: .post, headers: Harness.auth(h.stationToken),
                                     body: ByteBuffer(string: #"{"gtin":"08938512345017","format":"octal","count":5}"#)) {
                #expect($0.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/serial-blocks", method: .post, headers: Harness.auth(h.stationToken),
                                     body: ByteBuffer(string: #"{"gtin":"08938512345017","format":"random","count":0}"#)) {
                #expect($0.status == .unprocessableContent)
            }
        }
        // The block plugs into the station's allocator as it is.
        let f = try StationFixture(ring: h.ring)
        let block = try await h.core.storage.allocateSerialBlock(gtin: StationFixture.gtin, format: .random, count: 50,
                                                                 capacity: SerialFormat.random.serverCapacity, stationID: "BK-NARI-01")
        let server = try SerialAllocator(store: f.store, keys: h.ring, prefix: "", policy: .serverBlocks)
        try server.addServerBlock(gtin: block.gtin, format: .random, start: block.start, end: block.end)
    }

    @Test func stationRecord() async throws {
        let h = try await Harness.make()
        try await h.run { client in
            try await client.execute(uri: "/api/stations/me", method: .get, headers: Harness.auth(h.hueToken)) { r in
                let record = try json(r.body)
                #expect(record["id"] as? String == "HUE-01")
            }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
    }
}
