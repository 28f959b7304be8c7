import Foundation
import GRDB
import Testing

/// The real binary prints 10,000 stamps on the virtual printer, interrupted by paper-out and by
/// `kill -9`; afterwards every serial is accounted for exactly once.
@Suite(.serialized, .enabled(if: StationProcess.binaryExists, "needs the station binary: run `swift build` first"))
struct PrintJobProcessTests {
    static let config = ConfigTests.packageRoot.appendingPathComponent("Config/station.toml").path
    static let templates = ConfigTests.packageRoot.appendingPathComponent("Config/templates").path

    func station(_ args: [String], dir: URL) throws -> StationProcess {
        try StationProcess(arguments: args + ["--config", Self.config, "--data-dir", dir.path,
                                              "--set", "printers.line1.mode=native", "--set", "jobs.window=20"],
                           dataDir: dir, environment: ["STATION_TEMPLATES": Self.templates])
    }

    func run(_ args: [String], dir: URL) throws -> (Int32, String) {
        let p = try station(args, dir: dir)
        return (p.waitForExit(timeout: 600) ?? -1, p.log)
    }

    /// Serials found in the label files the virtual printer wrote.
    func printedSerials(_ labels: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: labels.path).filter { $0.hasSuffix(".zpl") }.map { f in
            let text = try String(contentsOf: labels.appendingPathComponent(f), encoding: .utf8)
            guard let r = text.range(of: #"/21/([0-9A-Z]{10})\?"#, options: .regularExpression) else { return "?" }
            return String(text[r].dropFirst(4).dropLast())
        }
    }

    @Test func reprintPrintsTheSameStampAgainTwiceAtMostAndRecordsEachTime() throws {
        let dir = StationProcess.temporaryDirectory()
        let labels = dir.appendingPathComponent("labels")
        #expect(try run(["product", "add", "--gtin", "8938512345017", "--name", "Mien dong Na Ri", "--producer", "HTX Na Ri", "--producer-gln", "8938512340005", "--shelf-life-days", "364"], dir: dir).0 == 0)
        #expect(try run(["batch", "create", "--product", "8938512345017", "--lot", "RP1", "--produced", "2025-03-14", "--quantity", "10"], dir: dir).0 == 0)
        #expect(try run(["print", "--batch", "RP1", "--count", "2"], dir: dir).0 == 0)
        let serial = try #require(try printedSerials(labels).first)
        let first = try #require(try FileManager.default.contentsOfDirectory(atPath: labels.path).filter { $0.hasSuffix(".zpl") }
            .first { try String(contentsOf: labels.appendingPathComponent($0), encoding: .utf8).contains("/21/\(serial)?") })

        let (status, out) = try run(["stamp", "reprint", "--product", "8938512345017", "--serial", serial, "--reason", "tem bị rách"], dir: dir)
        #expect(status == 0 && out.contains("printed on line1"), "\(out)")
        let again = labels.appendingPathComponent("000003.zpl")
        #expect(try Data(contentsOf: again) == Data(contentsOf: labels.appendingPathComponent(first)), "the reprint is the same stamp, byte for byte")
        #expect(try run(["stamp", "reprint", "--product", "8938512345017", "--serial", serial, "--reason", "lần 2", "--record-only"], dir: dir).0 == 0)
        #expect(!FileManager.default.fileExists(atPath: labels.appendingPathComponent("000004.zpl").path), "--record-only prints nothing")
        let (refused, why) = try run(["stamp", "reprint", "--product", "8938512345017", "--serial", serial, "--reason", "lần 3"], dir: dir)
        #expect(refused == 1 && why.contains("the limit"), "\(why)")
        #expect(!FileManager.default.fileExists(atPath: labels.appendingPathComponent("000004.zpl").path), "a refused reprint prints nothing")
        let db = dir.appendingPathComponent("station.sqlite").path
        #expect(try sqliteCount(db, "SELECT COUNT(*) FROM events WHERE CAST(body AS TEXT) LIKE '%txng:reprintOf%'") == 2)
        // A printer out of paper: nothing is recorded (the limit is not used up), and the operator is told why.
        let other = try #require(try printedSerials(labels).first { $0 != serial })
        #expect(FileManager.default.createFile(atPath: labels.appendingPathComponent("paper_out").path, contents: nil))
        let (failed, failure) = try run(["stamp", "reprint", "--product", "8938512345017", "--serial", other, "--reason", "mờ"], dir: dir)
        #expect(failed == 3 && failure.contains("paper_out") && failure.contains("nothing recorded"), "\(failure)")
        #expect(try sqliteCount(db, "SELECT COUNT(*) FROM events WHERE CAST(body AS TEXT) LIKE '%txng:reprintOf%'") == 2)
    }

    @Test func tenThousandStampsThroughPaperOutAndKillNine() throws {
        let total = Int(ProcessInfo.processInfo.environment["STATION_JOB_TEST_COUNT"] ?? "") ?? 10_000
        let dir = StationProcess.temporaryDirectory()
        let labels = dir.appendingPathComponent("labels")
        #expect(try run(["product", "add", "--gtin", "8938512345017", "--name", "Mien dong Na Ri", "--producer", "HTX Na Ri", "--producer-gln", "8938512340005", "--shelf-life-days", "364"], dir: dir).0 == 0)
        #expect(try run(["batch", "create", "--product", "8938512345017", "--lot", "BIG1", "--produced", "2025-03-14", "--quantity", "\(total)"], dir: dir).0 == 0)

        // 1. Paper runs out about a third of the way through.
        let job = try station(["print", "--batch", "BIG1", "--count", "\(total)"], dir: dir)
        while job.process.isRunning, ((try? FileManager.default.contentsOfDirectory(atPath: labels.path).count) ?? 0) < total * 2 / 3 {
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(FileManager.default.createFile(atPath: labels.appendingPathComponent("paper_out").path, contents: nil), "could not create the file")
        #expect(job.waitForExit(timeout: 600) == 3, "the job pauses on paper out: \(job.log.suffix(400))")
        #expect(job.log.contains("paper_out"))

        func resolveFromTheRoll() throws {
            // The operator looks at the roll: stamps that came out are confirmed, the rest voided.
            let show = try run(["job", "show", "1"], dir: dir).1
            let uncertain = show.split(separator: "\n").compactMap { $0.contains("uncertain: ") ? String($0.split(separator: " ").last!) : nil }
            let onPaper = Set(try printedSerials(labels))
            let printed = uncertain.filter(onPaper.contains), spoiled = uncertain.filter { !onPaper.contains($0) }
            var args = ["job", "resolve", "1"]
            if !printed.isEmpty { args += ["--printed"] + printed }
            if !spoiled.isEmpty { args += ["--void"] + spoiled }
            if uncertain.isEmpty { return }
            let (code, out) = try run(args, dir: dir)
            #expect(code == 0, "\(out)")
        }
        try resolveFromTheRoll()
        try FileManager.default.removeItem(at: labels.appendingPathComponent("paper_out"))

        // 2. Power cut while resuming.
        let resumed = try station(["job", "resume", "1"], dir: dir)
        let before = (try? FileManager.default.contentsOfDirectory(atPath: labels.path).count) ?? 0
        while resumed.process.isRunning, ((try? FileManager.default.contentsOfDirectory(atPath: labels.path).count) ?? 0) < before + 400 {
            Thread.sleep(forTimeInterval: 0.01)
        }
        kill(resumed.process.processIdentifier, SIGKILL)
        resumed.process.waitUntilExit()
        #expect(resumed.process.terminationReason == .uncaughtSignal)
        #expect(try run(["job", "recover"], dir: dir).0 == 0)
        try resolveFromTheRoll()

        // 3. Finish.
        let (code, out) = try run(["job", "resume", "1"], dir: dir)
        #expect(code == 0, "\(out.suffix(600))")
        #expect(out.contains("completed — printed \(total)/\(total)"))

        // Every stamp on paper is one commissioned serial; every reserved serial is printed or void.
        let onPaper = try printedSerials(labels)
        #expect(onPaper.count == Set(onPaper).count, "a serial was printed twice")
        let db = try DatabaseQueue(path: dir.appendingPathComponent("station.sqlite").path)
        let commissioned = try db.read { try Set(String.fetchAll($0, sql: "SELECT serial FROM serial_states WHERE state = 'commissioned'")) }
        #expect(commissioned.count == total)
        #expect(commissioned == Set(onPaper), "stamps on paper and commissioned serials differ")
        let (reserved, accounted, events) = try db.read { db in
            (try Int.fetchOne(db, sql: "SELECT SUM(count) FROM reservations WHERE purpose = 'job:1'") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM serial_states WHERE state IN ('commissioned', 'voided')") ?? -2,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? -3)
        }
        #expect(reserved == accounted, "reserved serials left without a fate")
        #expect(events == accounted, "one event per printed or voided serial")
        #expect(try run(["events", "verify"], dir: dir).0 == 0)
        print("print job test: \(total) stamps printed, \(reserved - total) serials voided after paper-out and kill -9")
    }
}
