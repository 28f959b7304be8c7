import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Station
import Testing
import Logging
import Trace
import TraceServer
@testable import StationWeb

@Suite("Scans, stamps, preview, photos and sync over the API") struct StampAPITests {
    /// Prints `count` stamps of MD250314A and returns their serials and Digital Links.
    static func printed(_ h: WebHarness, _ client: any TestClientProtocol, count: Int) async throws -> [(serial: String, link: String)] {
        let (_, body) = try await JobAPITests.create(client, h, #"{"batch":"MD250314A","count":\#(count)}"#)
        let id = try decodeJSON(JobView.self, body).id
        let done = try await JobAPITests.wait(client, h, job: id) { $0.state == "completed" }
        try #require(done.printed == count)
        let serials = try await h.core.store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT serial FROM serial_states WHERE state = 'commissioned' ORDER BY serial")
        }
        let factory = try h.runner.labelFactory(for: try PrintJobs(trace: h.core.trace).job(id), printer: h.core.printers["line1"]!)
        return try serials.map { ($0, try factory.data(serial: $0).digitalLink) }
    }

    @Test func scansAppearInTheLogWithTheirVerdicts() async throws {
        let h = try WebHarness.make()
        try h.seedBatch()
        try await h.run { client in
            let stamps = try await Self.printed(h, client, count: 2)
            try h.core.recordScan(Array(stamps[0].link.utf8), scanner: "keyboard")
            var forged = Array(stamps[1].link)
            forged[forged.count - 1] = forged.last == "A" ? "B" : "A"
            try h.core.recordScan(Array(String(forged).utf8), scanner: "keyboard")
            let log = try await client.execute(uri: "/api/scans?limit=10", method: .get, headers: h.bearer) { try decodeJSON([ScanLogEntry].self, $0.body) }
            #expect(log.map(\.outcome) == ["accepted", "rejected"])
            #expect(log[0].text == stamps[0].link && log[0].kind == "digital_link")
            #expect(!log[1].message.isEmpty)
            let after = try await client.execute(uri: "/api/scans?after=\(log[0].id)", method: .get, headers: h.bearer) { try decodeJSON([ScanLogEntry].self, $0.body) }
            #expect(after.map(\.id) == [log[1].id])
        }
    }

    @Test func voidAndReprintRecordEventsWithReasonsAndRefuseWhatIsNotAllowed() async throws {
        let h = try WebHarness.make()
        try h.seedBatch()
        try await h.run { client in
            let stamps = try await Self.printed(h, client, count: 2)
            func post(_ path: String, _ json: String) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(uri: path, method: .post, headers: h.jsonBearer, body: ByteBuffer(string: json)) { ($0.status, String(buffer: $0.body)) }
            }
            let labelsBefore = try FileManager.default.contentsOfDirectory(atPath: h.dataDirectory.appendingPathComponent("labels").path).count
            let (r1, b1) = try await post("/api/stamps/reprint", #"{"gtin":"8938512345017","serial":"\#(stamps[0].serial)","reason":"tem bị nhòe"}"#)
            #expect(r1 == .ok, "\(b1)")
            #expect(b1.contains("\"printedOn\":\"line1\""))
            let labelsAfter = try FileManager.default.contentsOfDirectory(atPath: h.dataDirectory.appendingPathComponent("labels").path).count
            #expect(labelsAfter == labelsBefore + 2, "the reprint reached the printer (bytes + PNG)")
            let (v1, b2) = try await post("/api/stamps/void", #"{"gtin":"8938512345017","serial":"\#(stamps[1].serial)","reason":"tem bị rách"}"#)
            #expect(v1 == .ok, "\(b2)")
            let (v2, b3) = try await post("/api/stamps/void", #"{"gtin":"8938512345017","serial":"\#(stamps[1].serial)","reason":"again"}"#)
            #expect(v2 == .conflict && b3.contains("void"))
            let (v3, _) = try await post("/api/stamps/void", #"{"gtin":"8938512345017","serial":"\#(stamps[0].serial)","reason":" "}"#)
            #expect(v3 == .unprocessableContent)
            let (r2, b4) = try await post("/api/stamps/reprint", #"{"gtin":"8938512345017","serial":"\#(stamps[1].serial)","reason":"x"}"#)
            #expect(r2 == .conflict && b4.contains("only printed stamps"))
            let (r3, _) = try await post("/api/stamps/reprint", #"{"gtin":"8938512345017","serial":"ZZZZZZZZZZ","reason":"x"}"#)
            #expect(r3 == .notFound)
            #expect(h.core.trace.verifier.verify(stamps[1].link).kind == .void)
        }
    }

    @Test func labelPreviewIsAPNGAndPhotoOfAPrintedStampIsGenuine() async throws {
        let h = try WebHarness.make()
        try h.seedBatch()
        try await h.run { client in
            let preview = try await client.execute(uri: "/api/labels/preview?batch=MD250314A", method: .get, headers: h.bearer) { $0 }
            #expect(preview.status == .ok && preview.headers[.contentType] == "image/png")
            #expect(Array(preview.body.readableBytesView.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
            let missing = try await client.execute(uri: "/api/labels/preview?batch=NOPE", method: .get, headers: h.bearer) { $0.status }
            #expect(missing == .notFound)

            let stamps = try await Self.printed(h, client, count: 1)
            let photo = try Data(contentsOf: h.dataDirectory.appendingPathComponent("labels/000001.png"))
            let report = try await client.execute(uri: "/api/inspect/photo", method: .post, headers: h.bearer,
                                                  body: ByteBuffer(bytes: photo)) { r in
                #expect(r.status == .ok)
                return try jsonObject(r.body)
            }
            let codes = try #require(report["codes"] as? [[String: Any]])
            let verdict = try #require(codes.first?["verdict"] as? [String: Any])
            #expect(verdict["kind"] as? String == "genuine")
            #expect(verdict["serial"] as? String == stamps[0].serial)
            #expect(codes.first?["eventID"] as? String != nil, "an inspecting event was recorded")

            let broken = try await client.execute(uri: "/api/inspect/photo", method: .post, headers: h.bearer,
                                                  body: ByteBuffer(bytes: Array(photo.prefix(40)) + [UInt8](repeating: 7, count: 100))) { $0 }
            #expect(broken.status == .unprocessableContent)
            #expect(String(buffer: broken.body).contains("\"error\""))
            let empty = try await client.execute(uri: "/api/inspect/photo", method: .post, headers: h.bearer) { $0.status }
            #expect(empty == .badRequest)
        }
    }

    static func upload(_ h: WebHarness, _ client: any TestClientProtocol, _ photo: Data) async throws -> [String: Any] {
        let report = try await client.execute(uri: "/api/inspect/photo", method: .post, headers: h.bearer, body: ByteBuffer(bytes: photo)) { r in
            #expect(r.status == .ok)
            return try jsonObject(r.body)
        }
        return try #require((report["codes"] as? [[String: Any]])?.first)
    }

    @Test func photoUploadAsksTheTraceServerAndSaysWhenItCannot() async throws {
        let h = try WebHarness.make()
        try h.seedBatch()
        let photo = try await h.run { client in
            _ = try await Self.printed(h, client, count: 1)
            return try Data(contentsOf: h.dataDirectory.appendingPathComponent("labels/000001.png"))
        }
        // A real trace-server with this province's key ring and the station's events.
        let serverDir = FileManager.default.temporaryDirectory.appendingPathComponent("station-web-ts-\(UUID().uuidString)")
        let storage = try SQLiteTraceStorage(dataDirectory: serverDir)
        try await storage.migrate()
        let server = TraceServerCore(storage: storage, keyRing: h.core.trace.tagger.ring, logger: Logger(label: "test.trace-server"))
        _ = try await server.registerStation(id: h.core.config.stationID, name: "Trạm thử", gln: h.core.config.gln)
        let record = try #require(try await storage.stations().first)
        let events = try h.core.trace.ledger.events.events(after: 0, limit: 1000)
        _ = try await server.capture(body: try EventStore.document(events).jsonData(), station: record, firstSequence: nil)
        var c = ServerConfiguration()
        c.dataDirectory = serverDir
        c.port = 0
        try await TraceServerApp.make(core: server, configuration: c, logger: Logger(label: "test.trace-server")).test(.live) { ts in
            let port = try #require(ts.port)
            let online = try WebHarness.make(directory: h.dataDirectory, overrides: ["server.url=http://127.0.0.1:\(port)"])
            try await online.run { client in
                let code = try await Self.upload(online, client, photo)
                #expect((code["verdict"] as? [String: Any])?["kind"] as? String == "genuine")
                let sv = try #require(code["server"] as? [String: Any], "the server was asked: \(code)")
                #expect(sv["verdict"] as? String == "genuine")
                #expect((sv["history"] as? [[String: Any]])?.first?["bizStep"] as? String == "commissioning")
                #expect(sv["scanCount"] as? Int == 1)
                #expect(code["serverNote"] == nil)
            }
        }
        // The server is gone, and the batch was recalled here: the station's own verdict, with a note why the server is missing.
        let batch = try h.core.trace.catalog.batch(named: "MD250314A")
        try h.core.trace.ledger.recall(batchID: batch.id, reason: "nhiễm nấm mốc")
        let down = try WebHarness.make(directory: h.dataDirectory, overrides: ["server.url=http://127.0.0.1:1"])
        try await down.run { client in
            let code = try await Self.upload(down, client, photo)
            let v = try #require(code["verdict"] as? [String: Any])
            #expect(v["kind"] as? String == "recalled")
            #expect((v["message"] as? String)?.contains("nhiễm nấm mốc") == true)
            #expect(code["server"] == nil)
            #expect((code["serverNote"] as? String)?.contains("127.0.0.1:1") == true, "\(code)")
        }
    }

    @Test func syncStatusShowsTheBacklog() async throws {
        let h = try WebHarness.make()
        try h.seedBatch()
        try await h.run { client in
            _ = try await Self.printed(h, client, count: 3)
            let s = try await client.execute(uri: "/api/sync", method: .get, headers: h.bearer) { try jsonObject($0.body) }
            #expect(s["online"] as? Bool == false)
            let status = try #require(s["status"] as? [String: Any])
            #expect(status["backlog"] as? Int == 3, "one commissioning event per stamp, none confirmed by a server")
        }
    }
}
