import Devices
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import StationWeb

@Suite("Print jobs over the API") struct JobAPITests {
    /// Polls the job until `done` holds or the time runs out.
    static func wait(_ client: any TestClientProtocol, _ h: WebHarness, job id: Int64, timeout: Double = 20,
                     until done: (JobView) -> Bool) async throws -> JobView {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let j = try await client.execute(uri: "/api/jobs/\(id)", method: .get, headers: h.bearer) { try decodeJSON(JobView.self, $0.body) }
            if done(j) || Date() > deadline { return j }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static func create(_ client: any TestClientProtocol, _ h: WebHarness, _ json: String) async throws -> (HTTPResponse.Status, ByteBuffer) {
        try await client.execute(uri: "/api/jobs", method: .post, headers: h.jsonBearer, body: ByteBuffer(string: json)) { ($0.status, $0.body) }
    }

    @Test func aDaemonJobReadsEveryStampBackAndReplacesTheOnesThatDoNotRead() async throws {
        let h = try WebHarness.make(window: 4, overrides: ["printers.line1.verifier=image", "printers.line1.mode=raster"])
        try h.seedBatch()
        let labels = h.dataDirectory.appendingPathComponent("labels")
        try FileManager.default.createDirectory(at: labels, withIntermediateDirectories: true)
        try "2\n".write(to: labels.appendingPathComponent("smudge"), atomically: true, encoding: .utf8)
        try await h.run { client in
            let (status, body) = try await Self.create(client, h, #"{"batch":"MD250314A","count":6}"#)
            #expect(status == .created, "\(String(buffer: body))")
            let done = try await Self.wait(client, h, job: try decodeJSON(JobView.self, body).id) { $0.state == "completed" }
            #expect(done.state == "completed" && done.printed == 6 && done.voided == 2, "\(done)")
            let v = try #require(done.verification, "the job reports its verification")
            #expect((v.checked, v.passed, v.noRead, v.mismatch) == (8, 6, 2, 0))
        }
    }

    @Test func aJobRunsInTheDaemonToCompletionWithOneLabelPerSerial() async throws {
        let h = try WebHarness.make(window: 4)
        try h.seedBatch()
        try await h.run { client in
            let (status, body) = try await Self.create(client, h, #"{"batch":"MD250314A","count":10,"operatorID":"op7"}"#)
            #expect(status == .created, "\(String(buffer: body))")
            let created = try decodeJSON(JobView.self, body)
            #expect(created.lot == "MD250314A" && created.product == "Miến dong Na Rì")
            let done = try await Self.wait(client, h, job: created.id) { $0.state == "completed" }
            #expect(done.state == "completed")
            #expect(done.printed == 10 && done.voided == 0 && done.uncertain == 0 && done.progress == 1)
            let labels = try FileManager.default.contentsOfDirectory(atPath: h.dataDirectory.appendingPathComponent("labels").path)
            #expect(labels.filter { $0.hasSuffix(".zpl") }.count == 10)
            let list = try await client.execute(uri: "/api/jobs", method: .get, headers: h.bearer) { try decodeJSON([JobView].self, $0.body) }
            #expect(list.map(\.id) == [created.id])
        }
    }

    @Test func paperOutPausesTheJobAndResumeFinishesItExactly() async throws {
        let h = try WebHarness.make(window: 3)
        try h.seedBatch()
        let paperOut = h.dataDirectory.appendingPathComponent("labels/paper_out")
        try FileManager.default.createDirectory(at: paperOut.deletingLastPathComponent(), withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: paperOut.path, contents: nil))
        try await h.run { client in
            let printers = try await client.execute(uri: "/api/printers", method: .get, headers: h.bearer) { try decodeJSON([PrinterView].self, $0.body) }
            #expect(printers.map(\.condition) == ["paper_out"], "the printer's own status, not a guess")
            let (_, body) = try await Self.create(client, h, #"{"batch":"MD250314A","count":7}"#)
            let id = try decodeJSON(JobView.self, body).id
            let paused = try await Self.wait(client, h, job: id) { $0.state == "paused" }
            #expect(paused.state == "paused" && paused.printed == 0)
            #expect(paused.pauseReason?.contains("paper_out") == true)
            // Paper loaded: resuming prints exactly the stamps still missing.
            try FileManager.default.removeItem(at: paperOut)
            let resumed = try await client.execute(uri: "/api/jobs/\(id)/resume", method: .post, headers: h.jsonBearer,
                                                   body: ByteBuffer(string: "{}")) { $0.status }
            #expect(resumed == .ok)
            let done = try await Self.wait(client, h, job: id) { $0.state == "completed" }
            #expect(done.printed == 7 && done.voided == 0)
            let again = try await client.execute(uri: "/api/jobs/\(id)/resume", method: .post, headers: h.jsonBearer) { $0 }
            #expect(again.status == .conflict)
            #expect(String(buffer: again.body).contains("only a paused job can be resumed"))
        }
    }

    @Test func pauseThenCancelVoidsNothingPrintedAndAnswersErrorsClearly() async throws {
        let h = try WebHarness.make(window: 1)
        try h.seedBatch()
        try await h.run { client in
            let (_, body) = try await Self.create(client, h, #"{"batch":"MD250314A","count":100000}"#)
            let id = try decodeJSON(JobView.self, body).id
            _ = try await Self.wait(client, h, job: id) { $0.printed >= 2 }
            let pausing = try await client.execute(uri: "/api/jobs/\(id)/pause", method: .post, headers: h.bearer) { $0.status }
            #expect(pausing == .ok)
            let paused = try await Self.wait(client, h, job: id) { $0.state == "paused" }
            #expect(paused.state == "paused" && paused.printed < 100000)
            let cancelled = try await client.execute(uri: "/api/jobs/\(id)/cancel", method: .post, headers: h.bearer) { try decodeJSON(JobView.self, $0.body) }
            #expect(cancelled.state == "cancelled" && cancelled.printed == paused.printed && cancelled.uncertain == 0)

            let (s1, b1) = try await Self.create(client, h, #"{"batch":"NOPE","count":3}"#)
            #expect(s1 == .notFound && String(buffer: b1).contains("NOPE"))
            let (s2, _) = try await Self.create(client, h, #"{"batch":"MD250314A","count":0}"#)
            #expect(s2 == .unprocessableContent)
            let (s3, _) = try await Self.create(client, h, #"{"batch":"MD250314A"}"#)
            #expect(s3 == .badRequest)
            let s4 = try await client.execute(uri: "/api/jobs/999", method: .get, headers: h.bearer) { $0.status }
            #expect(s4 == .notFound)
            let s5 = try await client.execute(uri: "/api/jobs/abc/pause", method: .post, headers: h.bearer) { $0.status }
            #expect(s5 == .unprocessableContent)
        }
    }

    @Test func liveStreamCarriesJobProgressAndThePrintersStatus() async throws {
        let h = try WebHarness.make(window: 5)
        try h.seedBatch()
        try await h.run { client in
            async let stream = client.execute(uri: "/api/events/stream?limit=4", method: .get, headers: h.bearer) { r in
                (r.headers[.contentType], String(buffer: r.body))
            }
            let deadline = Date().addingTimeInterval(10)
            while h.hub.subscriberCount == 0 && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            _ = try await Self.create(client, h, #"{"batch":"MD250314A","count":10}"#)
            let (type, text) = try await stream
            #expect(type?.hasPrefix("text/event-stream") == true)
            #expect(text.contains("event: job\ndata: {"), "\(text)")
            #expect(text.contains("event: printer\ndata: {"), "the job's own status query is published: \(text)")
        }
    }
}
