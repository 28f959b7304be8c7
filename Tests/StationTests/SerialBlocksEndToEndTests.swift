import Foundation
import GRDB
import Testing

/// Stations that take their serials from the province (`serials.source = "server"`): the real
/// `station` binary against a real `trace-server` on loopback. Blocks are asked for as jobs need
/// them, never overlap between stations, and without the server a job pauses when its blocks run out.
@Suite(.serialized, .enabled(if: StationProcess.binaryExists && FileManager.default.isExecutableFile(atPath: VerifyEndToEndTests.traceServer.path),
                             "needs the station and trace-server binaries: run `swift build` first"))
struct SerialBlocksEndToEndTests {
    struct Station {
        let id: String
        let dir = StationProcess.temporaryDirectory()
        var settings: [String] = []

        func run(_ args: [String], timeout: TimeInterval = 120) throws -> (Int32?, String) {
            let p = try StationProcess(arguments: args + ["--config", DaemonLifecycleTests.defaultConfig, "--data-dir", dir.path, "--log-level", "warning",
                                                          "--set", "station.id=\(id)"] + settings,
                                       dataDir: dir, environment: ["STATION_TEMPLATES": VerifyEndToEndTests.root.appendingPathComponent("Config/templates").path])
            try p.stdin.fileHandleForWriting.close()
            let status = p.waitForExit(timeout: timeout)
            return (status, p.log)
        }

        func serials() throws -> [String] {
            try DatabaseQueue(path: dir.appendingPathComponent("station.sqlite").path).read { db in
                try String.fetchAll(db, sql: "SELECT serial FROM serial_states WHERE state = 'commissioned'")
            }
        }

        func blocks() throws -> [(start: Int64, end: Int64, next: Int64, source: String)] {
            try DatabaseQueue(path: dir.appendingPathComponent("station.sqlite").path).read { db in
                try Row.fetchAll(db, sql: "SELECT start_counter, end_counter, next, source FROM serial_blocks ORDER BY id").map {
                    ($0["start_counter"], $0["end_counter"], $0["next"], $0["source"])
                }
            }
        }
    }

    @Test func jobsFetchBlocksAsTheyGoStationsNeverOverlapAndOfflineJobsPauseWhenBlocksRunOut() throws {
        let serverDir = StationProcess.temporaryDirectory()
        var tokens: [String: String] = [:]
        for id in ["BK-NARI-01", "BK-NARI-02"] {
            let add = try VerifyEndToEndTests.runServer(["station", "add", "--id", id, "--name", "Trạm \(id)", "--gln", "8938512340005", "--data-dir", serverDir.path],
                                                        dataDir: serverDir)
            tokens[id] = try #require(add.split(separator: "\n").map(String.init).first { $0.count == 43 && !$0.contains(" ") }, "\(add)")
        }
        let serverProcess = try StationProcess(arguments: ["--data-dir", serverDir.path, "--port", "0", "--log-level", "warning"],
                                               dataDir: serverDir, executable: VerifyEndToEndTests.traceServer)
        let server = serverProcess.process
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() } }
        let port = try VerifyEndToEndTests.waitForPort(serverDir.appendingPathComponent("server.port"), process: server)

        func station(_ id: String) throws -> Station {
            var s = Station(id: id)
            let tokenFile = s.dir.appendingPathComponent("server.token").path
            #expect(FileManager.default.createFile(atPath: tokenFile, contents: Data((tokens[id]! + "\n").utf8), attributes: [.posixPermissions: 0o600]))
            s.settings = ["--set", "server.url=http://127.0.0.1:\(port)", "--set", "server.token_file=\(tokenFile)",
                          "--set", "serials.source=server", "--set", "serials.block_size=100"]
            for args in [["product", "add", "--gtin", "8938512345017", "--name", "Miến dong Na Rì", "--producer", "HTX Na Rì",
                          "--producer-gln", "8938512340005", "--shelf-life-days", "364"],
                         ["batch", "create", "--product", "8938512345017", "--lot", "SB1", "--produced", "2025-03-14", "--quantity", "1000"]] {
                let (status, out) = try s.run(args)
                #expect(status == 0, "\(id) \(args[0]): \(out)")
            }
            return s
        }
        let a = try station("BK-NARI-01"), b = try station("BK-NARI-02")

        // A job larger than one block: the station asks for what the job needs, as it goes.
        let (pa, outA) = try a.run(["print", "--batch", "SB1", "--count", "130"])
        #expect(pa == 0, "\(outA)")
        #expect(try a.serials().count == 130)
        let blocksA = try a.blocks()
        #expect(!blocksA.isEmpty && blocksA.allSatisfy { $0.source == "server" }, "\(blocksA)")
        #expect(blocksA.reduce(Int64(0)) { $0 + ($1.end - $1.start) } >= 130)

        // Blocks fetched ahead (for days offline), then a job at the second station.
        let (fb, fetchOut) = try b.run(["serials", "fetch", "--product", "8938512345017", "--count", "150"])
        #expect(fb == 0 && fetchOut.contains("khối mới"), "\(fetchOut)")
        let (listed, listOut) = try b.run(["serials", "blocks"])
        #expect(listed == 0 && listOut.contains("máy chủ tỉnh") && listOut.contains("server"), "\(listOut)")
        let (pb, outB) = try b.run(["print", "--batch", "SB1", "--count", "90"])
        #expect(pb == 0, "\(outB)")

        // Never the same counter twice across the province: the blocks are disjoint, and so are the serials.
        let ranges = (blocksA + (try b.blocks())).map { $0.start..<$0.end }.sorted { $0.lowerBound < $1.lowerBound }
        for (x, y) in zip(ranges, ranges.dropFirst()) { #expect(x.upperBound <= y.lowerBound, "blocks \(x) and \(y) overlap") }
        let all = try a.serials() + b.serials()
        #expect(all.count == 220 && Set(all).count == 220)

        // The server goes away. B prints from the blocks it holds, then the job pauses, and says why.
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        let left = try b.blocks().reduce(Int64(0)) { $0 + ($1.end - $1.next) }
        #expect(left > 0 && left < 100, "left \(left)")
        let (paused, pausedOut) = try b.run(["print", "--batch", "SB1", "--count", "100"])
        #expect(paused == 3, "\(pausedOut)")
        #expect(pausedOut.contains("hết số sê-ri") && pausedOut.contains("printed \(left)/100"), "\(pausedOut)")
        #expect(try b.serials().count == 90 + Int(left))
        let (status, show) = try b.run(["job", "list"])
        #expect(status == 0 && show.contains("paused"), "\(show)")

        // A station on server serials with no server at all cannot fetch: a clear error, nothing printed.
        var c = Station(id: "BK-NARI-03")
        c.settings = ["--set", "serials.source=server"]
        let (cf, cOut) = try c.run(["serials", "fetch", "--product", "8938512345017"])
        #expect(cf != 0 && cOut.contains("server"), "\(cOut)")
        // Local serials need no blocks.
        let (lf, lOut) = try Station(id: "BK-NARI-04").run(["serials", "fetch", "--product", "8938512345017"])
        #expect(lf == 78 && lOut.contains("serials.source is local"), "\(lOut)")
    }
}
