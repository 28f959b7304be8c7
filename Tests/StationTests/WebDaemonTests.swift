import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The daemon's job runner under a real SIGTERM: the job finishes its window, pauses for the
/// operator, and the daemon exits cleanly even with a live event stream open.
@Suite(.serialized, .enabled(if: StationProcess.binaryExists, "needs the station binary: run `swift build` first"))
struct WebDaemonTests {
    @Test func sigtermPausesARunningJobAfterItsWindowWithNothingUncertain() throws {
        let dir = StationProcess.temporaryDirectory()
        let common = ["--config", DaemonLifecycleTests.defaultConfig, "--data-dir", dir.path]
        for args in [["product", "add", "--gtin", "8938512345017", "--name", "Miến dong Na Rì", "--producer", "HTX Na Rì",
                      "--producer-gln", "8938512340005", "--shelf-life-days", "364"],
                     ["batch", "create", "--product", "8938512345017", "--lot", "SIG1", "--produced", "2025-03-14", "--quantity", "5000"]] {
            let cli = try StationProcess(arguments: args + common, dataDir: dir)
            #expect(cli.waitForExit(timeout: 30) == 0, "\(cli.log)")
        }
        let station = try StationProcess(arguments: ["run"] + common + ["--port", "0"], dataDir: dir)
        let port = try station.waitForPort()
        let token = try station.apiToken()
        let (status, body) = try StationProcess.httpPost(port: port, path: "/api/jobs", json: #"{"batch":"SIG1","count":4000}"#, token: token)
        #expect(status == 201, "\(body)")
        // A browser's live stream stays open through the shutdown.
        var stream = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/events/stream")!)
        stream.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let open = URLSession.shared.dataTask(with: stream) { _, _, _ in }
        open.resume()
        defer { open.cancel() }
        let deadline = Date().addingTimeInterval(20)
        var printed = 0
        while printed < 20 && Date() < deadline {
            let (_, job) = try StationProcess.httpGet(port: port, path: "/api/jobs/1", token: token)
            printed = (try? JSONSerialization.jsonObject(with: Data(job.utf8)) as? [String: Any])?["printed"] as? Int ?? 0
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(printed >= 20, "the job runs inside the daemon")
        kill(station.process.processIdentifier, SIGTERM)
        #expect(station.waitForExit(timeout: 20) == 0, "\(station.log)")
        #expect(station.log.contains("print job paused for the shutdown job=1"))
        let db = dir.appendingPathComponent("station.sqlite").path
        #expect(try sqliteCount(db, "SELECT COUNT(*) FROM print_jobs WHERE state = 'paused' AND pause_reason LIKE 'station stopping%'") == 1)
        #expect(try sqliteCount(db, "SELECT COUNT(*) FROM serial_states WHERE state IN ('sent', 'uncertain')") == 0,
                "the window in flight was finished, not cut")
        let done = try sqliteCount(db, "SELECT COUNT(*) FROM serial_states WHERE state = 'commissioned'")
        #expect(done >= printed && done < 4000)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("labels").path).filter { $0.hasSuffix(".zpl") }
        #expect(files.count == done, "one label on paper per commissioned serial")
    }
}
