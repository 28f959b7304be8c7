import Foundation
import GRDB
import Testing

/// `kill -9` at random instants while two processes reserve serials and record events: afterwards
/// no serial was issued twice, every acknowledged event is in the store, and the chain verifies.
@Suite(.serialized, .enabled(if: StationProcess.binaryExists, "needs the station binary: run `swift build` first"))
struct CrashTests {
    static let config = ConfigTests.packageRoot.appendingPathComponent("Config/station.toml").path

    func station(_ args: [String], dir: URL) throws -> (Int32, String) {
        let p = try StationProcess(arguments: args + ["--config", Self.config, "--data-dir", dir.path], dataDir: dir)
        let code = p.waitForExit(timeout: 60) ?? -1
        return (code, p.log)
    }

    @Test func killNineAtRandomPointsLosesNothingAndRepeatsNothing() throws {
        let dir = StationProcess.temporaryDirectory()
        #expect(try station(["product", "add", "--gtin", "8938512345017", "--name", "Miến dong", "--producer", "HTX", "--producer-gln", "8938512340005"], dir: dir).0 == 0)
        #expect(try station(["batch", "create", "--product", "8938512345017", "--lot", "CRASH1", "--produced", "2025-03-14", "--quantity", "100000"], dir: dir).0 == 0)

        var rng = SystemRandomNumberGenerator()
        var issued: [String] = []
        var acknowledged: [String] = []
        var kills = 0
        let rounds = Int(ProcessInfo.processInfo.environment["STATION_CRASH_ROUNDS"] ?? "") ?? 60
        for _ in 0..<rounds {
            let workers = try (0..<2).map { _ in
                try StationProcess(arguments: ["serials", "churn", "--batch", "CRASH1", "--config", Self.config, "--data-dir", dir.path], dataDir: dir)
            }
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.6, using: &rng))
            for w in workers {
                kill(w.process.processIdentifier, SIGKILL)
                w.process.waitUntilExit()
                if w.process.terminationReason == .uncaughtSignal { kills += 1 }
                Thread.sleep(forTimeInterval: 0.02)
                // Only complete lines count: a line is printed after its commit returned.
                var log = w.log
                if !log.hasSuffix("\n"), let cut = log.lastIndex(of: "\n") { log = String(log[...cut]) } else if !log.hasSuffix("\n") { log = "" }
                for line in log.split(separator: "\n") {
                    if line.hasPrefix("R ") { issued += line.dropFirst(2).split(separator: " ").map(String.init) }
                    if line.hasPrefix("E ") { acknowledged.append(String(line.dropFirst(2))) }
                    #expect(!line.contains("station:"), "worker reported an error: \(line)")
                }
            }
        }
        #expect(kills >= rounds * 2 * 9 / 10, "most workers must have been killed mid-run (\(kills))")
        #expect(issued.count > 100, "the workers got far enough to matter (\(issued.count) serials)")
        #expect(Set(issued).count == issued.count, "a serial was issued twice")

        let db = try DatabaseQueue(path: dir.appendingPathComponent("station.sqlite").path)
        let stored = try db.read { try Set(String.fetchAll($0, sql: "SELECT event_id FROM events")) }
        let lost = acknowledged.filter { !stored.contains($0) }
        #expect(lost.isEmpty, "\(lost.count) acknowledged events are missing")
        // A state change and its event commit together: every used serial has exactly its one event.
        let (stateCount, eventCount, orphans) = try db.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM serial_states") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? -2,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM serial_states WHERE last_event_id IS NULL OR last_event_id NOT IN (SELECT event_id FROM events)") ?? -3)
        }
        #expect(stateCount == eventCount)
        #expect(orphans == 0)
        #expect(try db.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
        let (code, out) = try station(["events", "verify"], dir: dir)
        #expect(code == 0, "\(out)")
        #expect(out.contains("chain intact"))
        print("crash test: \(kills) kills, \(issued.count) serials issued (all distinct), \(acknowledged.count) acknowledged events all present")
    }
}
