import Foundation
import Testing

/// The real daemon starts on the embedded default, serves, records scans from stdin,
/// and stops cleanly on SIGTERM and SIGINT even while stdin is still open.
@Suite(.serialized, .enabled(if: StationProcess.binaryExists, "needs the station binary: run `swift build` first"))
struct DaemonLifecycleTests {
    static let defaultConfig = ConfigTests.packageRoot.appendingPathComponent("Config/station.toml").path

    @Test(arguments: [SIGTERM, SIGINT])
    func daemonStopsCleanlyOnSignalWithStdinStillOpen(signal: Int32) throws {
        let dir = StationProcess.temporaryDirectory()
        let station = try StationProcess(arguments: ["run", "--config", Self.defaultConfig, "--data-dir", dir.path, "--port", "0"], dataDir: dir)
        let port = try station.waitForPort()
        let (status, body) = try StationProcess.httpGet(port: port, path: "/health")
        #expect(status == 200)
        #expect(body.contains("\"status\":\"ok\""))
        #expect(body.contains("BK-NARI-01"))

        station.stdin.fileHandleForWriting.write(Data("https://txng.backan.gov.vn/01/08938512345017/10/MD250314A/21/K7QM2X9PA4?17=260313\r\n".utf8))
        let deadline = Date().addingTimeInterval(10)
        while !station.log.contains("kind=digital_link") && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(station.log.contains("kind=digital_link"))

        kill(station.process.processIdentifier, signal)
        let code = station.waitForExit(timeout: 15)
        #expect(code == 0, "exit status \(String(describing: code)); log:\n\(station.log)")
        #expect(station.log.contains("station stopped cleanly integrity=ok"))
        // The scan survived: reopen the database the daemon wrote and find it.
        #expect(try sqliteCount(dir.appendingPathComponent("station.sqlite").path, "SELECT COUNT(*) FROM scan_log WHERE kind = 'digital_link'") == 1)
    }

    @Test func badConfigurationKeepsTheDaemonFromStarting() throws {
        let dir = StationProcess.temporaryDirectory()
        let cfg = dir.appendingPathComponent("bad.toml")
        try "[station]\nid = \"X\"\n\n[web]\nport = -1\n".write(to: cfg, atomically: true, encoding: .utf8)
        let station = try StationProcess(arguments: ["run", "--config", cfg.path, "--data-dir", dir.path], dataDir: dir)
        let code = station.waitForExit(timeout: 30)
        #expect(code == 78)
        #expect(station.log.contains("\(cfg.path):5: web.port = -1: expected an integer from 0 to 65535"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("station.sqlite").path), "nothing is created before the configuration is valid")
    }

    @Test func environmentVariableOverridesTheFile() throws {
        let dir = StationProcess.temporaryDirectory()
        let station = try StationProcess(arguments: ["config", "show", "--config", Self.defaultConfig], dataDir: dir,
                                         environment: ["STATION_STATION_ID": "HUE-TT-02"])
        #expect(station.waitForExit(timeout: 30) == 0)
        #expect(station.log.contains("station.id = \"HUE-TT-02\"    # environment variable STATION_STATION_ID"))
    }
}

import GRDB

func sqliteCount(_ path: String, _ sql: String) throws -> Int {
    let q = try DatabaseQueue(path: path)
    return try q.read { try Int.fetchOne($0, sql: sql) ?? -1 }
}

@Suite(.serialized, .enabled(if: StationProcess.binaryExists, "needs the station binary: run `swift build` first"))
struct CatalogAPITests {
    @Test func productsAndBatchesThroughTheLocalAPI() throws {
        let dir = StationProcess.temporaryDirectory()
        let station = try StationProcess(arguments: ["run", "--config", DaemonLifecycleTests.defaultConfig, "--data-dir", dir.path, "--port", "0"], dataDir: dir)
        defer { kill(station.process.processIdentifier, SIGTERM); _ = station.waitForExit(timeout: 15) }
        let port = try station.waitForPort()
        let token = try station.apiToken()
        #expect(try StationProcess.httpGet(port: port, path: "/api/products").0 == 401, "the API needs the operator's credential")
        let (s1, p) = try StationProcess.httpPost(port: port, path: "/api/products", json: """
            {"gtin":"8938512345017","name":"Miến dong Na Rì","producer":"HTX Na Rì","producerGLN":"8938512340005","shelfLifeDays":364}
            """, token: token)
        #expect(s1 == 201, "\(p)")
        #expect(p.contains("\"gtin\":\"08938512345017\""))
        let (s2, b) = try StationProcess.httpPost(port: port, path: "/api/batches", json: """
            {"gtin":"08938512345017","lot":"API1","productionDate":"2025-03-14","plannedQuantity":100}
            """, token: token)
        #expect(s2 == 201, "\(b)")
        #expect(b.contains("\"expiryDate\":\"2026-03-13\""))
        let (s3, dup) = try StationProcess.httpPost(port: port, path: "/api/batches", json: """
            {"gtin":"08938512345017","lot":"API1","productionDate":"2025-03-14","plannedQuantity":100}
            """, token: token)
        #expect(s3 == 409)
        #expect(dup.contains("already has a batch with lot API1"))
        let (s4, bad) = try StationProcess.httpPost(port: port, path: "/api/products", json: """
            {"gtin":"8938512345018","name":"X","producer":"Y","producerGLN":"8938512340005"}
            """, token: token)
        #expect(s4 == 422)
        #expect(bad.contains("check digit"))
        let (s5, list) = try StationProcess.httpGet(port: port, path: "/api/batches?status=open", token: token)
        #expect(s5 == 200 && list.contains("\"lot\":\"API1\""))
        let (s6, _) = try StationProcess.httpPost(port: port, path: "/api/batches/API1/close", json: "{}", token: token)
        #expect(s6 == 200)
        #expect(try StationProcess.httpGet(port: port, path: "/api/batches?status=open", token: token).1 == "[]")
    }
}
