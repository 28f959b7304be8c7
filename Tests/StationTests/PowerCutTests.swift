import Foundation
import GRDB
import Testing

/// Power cuts: the daemon is killed with `kill -9` at random instants while it prints a job
/// (started over its API), handles scans and syncs to a real trace-server, which is itself
/// killed now and then. Afterwards no stamp is on paper twice, every stamp that reached the
/// printer has its one commissioning event once the operator has said which uncertain ones came
/// out, the event chain verifies, and after sync the server holds every event exactly once.
@Suite(.serialized, .enabled(if: StationProcess.binaryExists && FileManager.default.isExecutableFile(atPath: VerifyEndToEndTests.traceServer.path),
                             "needs the station and trace-server binaries: run `swift build` first"))
struct PowerCutTests {
    static let config = ConfigTests.packageRoot.appendingPathComponent("Config/station.toml").path
    static let templates = ConfigTests.packageRoot.appendingPathComponent("Config/templates").path
    static let gtin = "08938512345017"

    /// A loopback port nothing listens on now, for a server that must come back at the same address.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw TestFailure("no free loopback port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    struct Rig {
        let dir = StationProcess.temporaryDirectory()
        let serverDir = StationProcess.temporaryDirectory()
        let port: Int
        var server: StationProcess?
        var labels: URL { dir.appendingPathComponent("labels") }
        var tokenFile: String { dir.appendingPathComponent("server.token").path }

        var common: [String] {
            ["--config", PowerCutTests.config, "--data-dir", dir.path, "--log-level", "warning",
             "--set", "printers.line1.mode=native", "--set", "jobs.window=5",
             "--set", "server.url=http://127.0.0.1:\(port)", "--set", "server.token_file=\(tokenFile)",
             "--set", "server.max_backoff=0.5", "--set", "server.timeout=2", "--set", "server.batch_size=200"]
        }

        func station(_ args: [String]) throws -> StationProcess {
            try StationProcess(arguments: args + common, dataDir: dir, environment: ["STATION_TEMPLATES": PowerCutTests.templates])
        }

        func run(_ args: [String]) throws -> (Int32, String) {
            let p = try station(args)
            return (p.waitForExit(timeout: 300) ?? -1, p.log)
        }

        mutating func startServer() throws {
            let p = try StationProcess(arguments: ["serve", "--data-dir", serverDir.path, "--port", "\(port)", "--log-level", "warning"],
                                       dataDir: serverDir, executable: VerifyEndToEndTests.traceServer)
            _ = try VerifyEndToEndTests.waitForPort(serverDir.appendingPathComponent("server.port"), process: p.process)
            server = p
        }

        mutating func killServer() {
            guard let p = server else { return }
            kill(p.process.processIdentifier, SIGKILL)
            p.process.waitUntilExit()
            try? FileManager.default.removeItem(at: serverDir.appendingPathComponent("server.port"))
            server = nil
        }

        /// The Digital Links in the QR codes of the label files the virtual printer finished
        /// writing (it writes each file atomically): all of them, or `sample` chosen at random.
        func linksOnPaper(sample: Int? = nil) throws -> [String] {
            var files = ((try? FileManager.default.contentsOfDirectory(atPath: labels.path)) ?? []).filter { $0.hasSuffix(".zpl") }
            if let sample { files = Array(files.shuffled().prefix(sample)) }
            return try files.map { f in
                let text = try String(contentsOf: labels.appendingPathComponent(f), encoding: .utf8)
                guard let r = text.range(of: #"https://[^\^]+"#, options: .regularExpression) else { return "?" + f }
                return String(text[r])
            }
        }

        /// The serials (AI 21) of those stamps.
        func onPaper() throws -> [String] {
            try linksOnPaper().map { link in
                guard let r = link.range(of: #"/21/([0-9A-Z]{10})\?"#, options: .regularExpression) else { return "?" + link }
                return String(link[r].dropFirst(4).dropLast())
            }
        }
    }

    @Test func killNineDuringPrintingScanningAndSyncing() throws {
        // 100 cuts here; with the 120 of CrashTests (serial reservation and event recording) and the
        // cuts of the print-job and sync end-to-end tests, the suite kills the station over 220 times.
        let rounds = Int(ProcessInfo.processInfo.environment["STATION_POWERCUT_ROUNDS"] ?? "") ?? 100
        var rig = Rig(port: try Self.freePort())
        let add = try VerifyEndToEndTests.runServer(["station", "add", "--id", "BK-NARI-01", "--name", "Trạm 1", "--gln", "8938512340005",
                                                     "--data-dir", rig.serverDir.path], dataDir: rig.serverDir)
        let token = try #require(add.split(separator: "\n").map(String.init).first { $0.count == 43 && !$0.contains(" ") }, "\(add)")
        #expect(FileManager.default.createFile(atPath: rig.tokenFile, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]), "could not create the file")
        try rig.startServer()
        defer { rig.killServer() }
        #expect(try rig.run(["product", "add", "--gtin", Self.gtin, "--name", "Miến dong Na Rì", "--producer", "HTX Na Rì",
                             "--producer-gln", "8938512340005", "--shelf-life-days", "364"]).0 == 0)
        #expect(try rig.run(["batch", "create", "--product", Self.gtin, "--lot", "CUT1", "--produced", "2025-03-14", "--quantity", "1000000"]).0 == 0)

        var rng = SystemRandomNumberGenerator()
        var kills = 0, serverKills = 0, jobsStarted = 0
        for round in 0..<rounds {
            try? FileManager.default.removeItem(at: rig.dir.appendingPathComponent("web.port"))   // the last one's, left by the cut
            let daemon = try rig.station(["run", "--port", "0"])
            let port = try daemon.waitForPort()
            let apiToken = try daemon.apiToken()
            let (status, body) = try StationProcess.httpPost(port: port, path: "/api/jobs", json: #"{"batch":"CUT1","count":300}"#, token: apiToken)
            if status == 201 || status == 200 { jobsStarted += 1 } else { Issue.record("round \(round): job not started: \(status) \(body)") }
            // Scans of stamps already on paper, a repeat, and something that is not a stamp.
            let lines = try rig.linksOnPaper(sample: 3) + ["not a stamp \(round)"]
            try? daemon.stdin.fileHandleForWriting.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.5, using: &rng))
            kill(daemon.process.processIdentifier, SIGKILL)
            daemon.process.waitUntilExit()
            if daemon.process.terminationReason == .uncaughtSignal { kills += 1 }
            if round % 25 == 12 {   // the province's server has a power cut of its own now and then
                rig.killServer()
                serverKills += 1
                try rig.startServer()
            }
        }
        #expect(kills >= rounds * 9 / 10, "the daemon must have been killed mid-run (\(kills) of \(rounds))")
        #expect(jobsStarted == rounds)

        // After the last cut: interrupted jobs are paused, sent stamps uncertain; the operator
        // looks at the roll and says which uncertain stamps came out.
        let (recovered, recoverOut) = try rig.run(["job", "recover"])
        #expect(recovered == 0, "\(recoverOut)")
        let paper = try rig.onPaper()
        let onPaper = Set(paper)
        let db = try DatabaseQueue(path: rig.dir.appendingPathComponent("station.sqlite").path)
        let jobIDs = try db.read { try Int64.fetchAll($0, sql: "SELECT id FROM print_jobs ORDER BY id") }
        var uncertainTotal = 0
        for id in jobIDs {
            let show = try rig.run(["job", "show", "\(id)"]).1
            let uncertain = show.split(separator: "\n").compactMap { $0.contains("uncertain: ") ? String($0.split(separator: " ").last!) : nil }
            guard !uncertain.isEmpty else { continue }
            uncertainTotal += uncertain.count
            let came = uncertain.filter(onPaper.contains), spoiled = uncertain.filter { !onPaper.contains($0) }
            var args = ["job", "resolve", "\(id)"]
            if !came.isEmpty { args += ["--printed"] + came }
            if !spoiled.isEmpty { args += ["--void"] + spoiled }
            let (code, out) = try rig.run(args)
            #expect(code == 0, "job \(id): \(out)")
        }

        // Nothing on paper twice; every stamp on paper commissioned exactly once, nothing else.
        #expect(paper.count > rounds, "the jobs got far enough to matter (\(paper.count) stamps)")
        #expect(onPaper.count == paper.count, "\(paper.count - onPaper.count) stamps are on paper twice")
        #expect(!paper.contains { $0.hasPrefix("?") }, "a label file without a stamp")
        let commissioned = try db.read { db in
            try String.fetchAll(db, sql: """
                SELECT p.epc FROM events e JOIN event_epcs p ON p.seq = e.seq WHERE e.biz_step = 'commissioning'
                """).map { String($0.split(separator: "/").last!) }
        }
        #expect(commissioned.count == Set(commissioned).count, "a stamp was commissioned twice")
        #expect(Set(commissioned) == onPaper,
                "\(onPaper.subtracting(commissioned).count) stamps on paper without their event, \(Set(commissioned).subtracting(onPaper).count) commissioned but not on paper")
        let unsettled = try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM serial_states WHERE state IN ('sent', 'uncertain')") ?? -1 }
        #expect(unsettled == 0, "\(unsettled) serials neither commissioned nor void")
        // Every serial reserved for a job ends commissioned or void (none left reserved and unused).
        let (reserved, accounted) = try db.read { db in
            (try Int.fetchOne(db, sql: "SELECT SUM(count) FROM reservations WHERE purpose LIKE 'job:%'") ?? -1,
             try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM serial_states WHERE state IN ('commissioned', 'voided')
                   AND reservation_id IN (SELECT id FROM reservations WHERE purpose LIKE 'job:%')
                """) ?? -2)
        }
        #expect(reserved == accounted, "\(reserved) serials reserved for jobs, \(accounted) commissioned or void")
        // Reserved counter ranges never overlap: no serial can be issued twice.
        let overlaps = try db.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM reservation_ranges a JOIN reservation_ranges b
                  ON a.block_id = b.block_id AND a.rowid < b.rowid
                 AND a.start_counter < b.start_counter + b.count AND b.start_counter < a.start_counter + a.count
                """) ?? -1
        }
        #expect(overlaps == 0)
        let (verified, verifyOut) = try rig.run(["events", "verify"])
        #expect(verified == 0, "the event chain verifies: \(verifyOut)")

        // Sync converges: the server holds each of the station's events exactly once.
        var backlog = -1
        for _ in 0..<10 {
            let (code, out) = try rig.run(["sync", "now"])
            if code == 0, out.contains("backlog 0") { backlog = 0; break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        #expect(backlog == 0, "sync did not converge")
        let local = try db.read { try String.fetchAll($0, sql: "SELECT event_id FROM events") }
        let server = try DatabaseQueue(path: rig.serverDir.appendingPathComponent("trace-server.sqlite").path)
        let stored = try server.read { try String.fetchAll($0, sql: "SELECT event_id FROM events WHERE station_id = 'BK-NARI-01'") }
        #expect(stored.count == local.count && Set(stored) == Set(local),
                "server: \(stored.count) rows, \(Set(stored).count) distinct; station: \(local.count)")
        let scans = try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM events WHERE biz_step = 'inspecting'") ?? 0 }
        print("power cuts: \(kills) daemon kills, \(serverKills) server kills, \(jobIDs.count) jobs, \(paper.count) stamps on paper, \(uncertainTotal) uncertain resolved, \(scans) scans, \(local.count) events synced once each")
    }
}
