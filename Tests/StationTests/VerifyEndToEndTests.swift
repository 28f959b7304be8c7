import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `station verify` as an inspector runs it: the real binary on corpus photos, on broken and
/// hostile files, and with a real `trace-server` (SQLite) on loopback for online verdicts.
@Suite(.serialized, .enabled(if: StationProcess.binaryExists, "needs the station binary: run `swift build` first"))
struct VerifyEndToEndTests {
    static let root = ConfigTests.packageRoot
    static let corpus = root.appendingPathComponent("Tests/PhotoTests/PhotoCorpus")
    static var traceServer: URL { StationProcess.binary.deletingLastPathComponent().appendingPathComponent("trace-server") }

    /// A station data directory with the default configuration (virtual raster printer).
    struct Station {
        let dir = StationProcess.temporaryDirectory()
        var common: [String] { ["--config", DaemonLifecycleTests.defaultConfig, "--data-dir", dir.path, "--log-level", "warning"] }

        /// Runs `station ARGS`; exit status and output (stdout and stderr).
        func run(_ args: [String], extra: [String] = [], timeout: TimeInterval = 60) throws -> (Int32?, String) {
            let p = try StationProcess(arguments: args + common + extra, dataDir: dir,
                                       environment: ["STATION_TEMPLATES": VerifyEndToEndTests.root.appendingPathComponent("Config/templates").path])
            try p.stdin.fileHandleForWriting.close()
            let status = p.waitForExit(timeout: timeout)
            return (status, p.log)
        }

        func printStamps(_ n: Int) throws {
            for args in [["product", "add", "--gtin", "8938512345017", "--name", "Miến dong Na Rì", "--producer", "HTX Na Rì",
                          "--producer-gln", "8938512340005", "--shelf-life-days", "364"],
                         ["batch", "create", "--product", "8938512345017", "--lot", "VF1", "--produced", "2025-03-14", "--quantity", "100"],
                         ["print", "--batch", "VF1", "--count", String(n)]] {
                let (status, out) = try run(args)
                #expect(status == 0, "station \(args[0]): \(out)")
            }
        }

        func label(_ i: Int) -> String { dir.appendingPathComponent(String(format: "labels/%06d.png", i)).path }
    }

    struct Photo: Decodable {
        struct Code: Decodable {
            struct Verdict: Decodable { var kind: String }
            struct Server: Decodable {
                struct Warning: Decodable { var code: String }
                struct Entry: Decodable { var bizStep: String? }
                var verdict: String
                var scanCount: Int
                var warnings: [Warning]
                var history: [Entry]
            }
            var text: String?
            var verdict: Verdict?
            var eventID: String?
            var server: Server?
            var serverNote: String?
        }
        struct Failure: Decodable { var kind: String; var message: String; var vietnamese: String }
        var photo: String
        var codes: [Code]
        var error: Failure?
    }

    static func photos(_ output: String) throws -> [Photo] {
        // Warnings go to the same pipe; the JSON document is the part from the first "[".
        guard let start = output.firstIndex(of: "[") else { throw TestFailure("no JSON in output:\n\(output)") }
        return try JSONDecoder().decode([Photo].self, from: Data(output[start...].utf8))
    }

    static func noCrash(_ status: Int32?, _ out: String) {
        #expect(status != nil, "station verify hung")
        #expect(!out.contains("Program crashed") && !out.contains("Fatal error"), "station verify crashed:\n\(out)")
    }

    @Test func corpusPhotosDecodeToTheirManifestTextsAndGetVerdicts() throws {
        struct Entry: Decodable { struct Code: Decodable { var text: String }; var file: String; var category: String; var codes: [Code] }
        let manifest = try JSONDecoder().decode([Entry].self, from: Data(contentsOf: Self.corpus.appendingPathComponent("manifest.json")))
        let picked = ["clean", "rotation", "perspective", "blur"].compactMap { c in manifest.first { $0.category == c && $0.codes.count == 1 } }
        #expect(picked.count == 4)
        let station = Station()
        let (status, out) = try station.run(["verify", "--json", "--offline"] + picked.map { Self.corpus.appendingPathComponent("images/\($0.file)").path })
        Self.noCrash(status, out)
        // The corpus stamps carry tags of another key ring: never genuine here, so status 2.
        #expect(status == 2, "\(out)")
        let reports = try Self.photos(out)
        #expect(reports.count == picked.count)
        for (entry, report) in zip(picked, reports) {
            #expect(report.error == nil, "\(entry.file): \(String(describing: report.error))")
            #expect(report.codes.map(\.text) == [entry.codes[0].text], "\(entry.file)")
            #expect(report.codes.first?.verdict.map { ["forged", "unknown"].contains($0.kind) } == true, "\(entry.file)")
            #expect(report.codes.first?.server == nil)
        }
    }

    @Test func brokenAndHostileImagesGiveClearErrorsAndTheRestStillVerify() throws {
        let station = Station()
        try station.printStamps(1)
        let dir = StationProcess.temporaryDirectory()
        let jpeg = try Data(contentsOf: Self.corpus.appendingPathComponent("images/002-clean.jpg"))
        let truncated = dir.appendingPathComponent("truncated.jpg")
        try jpeg.prefix(jpeg.count / 3).write(to: truncated)
        let garbage = dir.appendingPathComponent("garbage.png")
        var rng = SystemRandomNumberGenerator()
        try Data((0..<50_000).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: garbage)
        // A valid PNG signature and IHDR claiming 60000 × 60000 pixels (3.6 gigapixels).
        let huge = dir.appendingPathComponent("huge.png")
        var ihdr = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
        ihdr += Data([0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60, 8, 0, 0, 0, 0, 0, 0, 0, 0])
        try ihdr.write(to: huge)
        let empty = dir.appendingPathComponent("empty.jpg")
        try Data().write(to: empty)
        let missing = dir.appendingPathComponent("missing.jpg")

        let files = [truncated, garbage, huge, empty, missing].map(\.path) + [station.label(1)]
        let (status, out) = try station.run(["verify", "--json", "--offline"] + files)
        Self.noCrash(status, out)
        #expect(status == 3, "unreadable photos and no rejected stamp: status 3\n\(out)")
        let reports = try Self.photos(out)
        #expect(reports.count == files.count)
        // A truncated JPEG decodes as far as it goes (libjpeg fills the rest): no code, no crash.
        #expect(reports[0].error != nil || reports[0].codes.isEmpty, "\(reports[0].photo)")
        for r in reports[1..<5] {
            let e = try #require(r.error, "\(r.photo) should fail")
            #expect(!e.message.isEmpty && !e.vietnamese.isEmpty)
        }
        // The good label after five bad files is still read and genuine.
        #expect(reports.last?.codes.first?.verdict?.kind == "genuine")
        #expect(reports.last?.codes.first?.eventID != nil)

        // Human output names the problem in Vietnamese.
        let (s2, human) = try station.run(["verify", "--offline", huge.path])
        Self.noCrash(s2, human)
        #expect(s2 == 3)
        #expect(human.contains("KHÔNG ĐỌC ĐƯỢC ẢNH"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: VerifyEndToEndTests.traceServer.path), "needs the trace-server binary"))
    func onlineVerdictFromARealTraceServerAndOfflineFallback() throws {
        let station = Station()
        try station.printStamps(2)
        // The server gets the province's key ring and this station's events.
        let serverDir = StationProcess.temporaryDirectory()
        let ring = serverDir.appendingPathComponent("ring.json").path
        #expect(try station.run(["keys", "export", "--out", ring]).0 == 0)
        let add = try Self.runServer(["station", "add", "--id", "BK-NARI-01", "--name", "Trạm 1", "--gln", "8938512340005", "--data-dir", serverDir.path],
                                     dataDir: serverDir)
        let token = try #require(add.split(separator: "\n").map(String.init).first { $0.count == 43 && !$0.contains(" ") }, "\(add)")
        let tokenFile = station.dir.appendingPathComponent("server.token").path
        #expect(FileManager.default.createFile(atPath: tokenFile, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]), "could not create the file")

        let serverProcess = try StationProcess(arguments: ["--data-dir", serverDir.path, "--port", "0", "--keyring", ring, "--log-level", "warning"],
                                               dataDir: serverDir, executable: Self.traceServer)
        let server = serverProcess.process
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() } }
        let port = try Self.waitForPort(serverDir.appendingPathComponent("server.port"), process: server)
        let url = "http://127.0.0.1:\(port)"
        let online = ["--set", "server.url=\(url)", "--set", "server.token_file=\(tokenFile)"]
        let (synced, syncOut) = try station.run(["sync", "now"], extra: online)
        #expect(synced == 0, "\(syncOut)")

        // server.url set: the server is asked without --online.
        let (status, out) = try station.run(["verify", "--json", station.label(1)], extra: online)
        Self.noCrash(status, out)
        #expect(status == 0, "\(out)")
        let code = try #require(try Self.photos(out).first?.codes.first)
        #expect(code.verdict?.kind == "genuine")
        let sv = try #require(code.server, "\(out)")
        #expect(sv.verdict == "genuine")
        #expect(sv.history.first?.bizStep == "commissioning")
        #expect(sv.scanCount == 1)

        // Many lookups of one stamp: the server warns of a copied code; the human output shows it beside the local verdict.
        let path = try #require(code.text.flatMap { URL(string: $0) }.map { $0.path + "?" + ($0.query ?? "") })
        for _ in 0..<50 { _ = try StationProcess.http(port: port, path: path, method: "GET", body: nil) }
        let (s2, human) = try station.run(["verify", station.label(1)], extra: online)
        Self.noCrash(s2, human)
        #expect(s2 == 2, "the server's suspicious verdict decides:\n\(human)")
        #expect(human.contains("[GENUINE]") && human.contains("MÁY CHỦ TỈNH: [SUSPICIOUS]") && human.contains("CẢNH BÁO [many-lookups]"), "\(human)")

        // The producer recalls the batch: the station says so at once, the province once the recall is synced.
        let (rc, recallOut) = try station.run(["batch", "recall", "VF1", "--reason", "nhiễm nấm mốc", "--operator", "qa1"])
        #expect(rc == 0 && recallOut.contains("Đã thu hồi lô VF1"), "\(recallOut)")
        let (again, againOut) = try station.run(["batch", "recall", "VF1", "--reason", "lần hai"])
        #expect(again == 1 && againOut.contains("already recalled"), "\(againOut)")
        let (printAfter, printAfterOut) = try station.run(["print", "--batch", "VF1", "--count", "1"])
        #expect(printAfter != 0, "a recalled batch takes no more prints: \(printAfterOut)")
        #expect(try station.run(["sync", "now"], extra: online).0 == 0)
        let (s5, recalled) = try station.run(["verify", "--json", station.label(2)], extra: online)
        Self.noCrash(s5, recalled)
        #expect(s5 == 2, "a recalled stamp is not genuine: \(recalled)")
        let rcode = try #require(try Self.photos(recalled).first?.codes.first)
        #expect(rcode.verdict?.kind == "recalled")
        #expect(rcode.server?.verdict == "recalled", "\(recalled)")
        let (_, recalledHuman) = try station.run(["verify", station.label(2)], extra: online)
        #expect(recalledHuman.contains("[RECALLED]") && recalledHuman.contains("MÁY CHỦ TỈNH: [RECALLED]") && recalledHuman.contains("nhiễm nấm mốc")
                && recalledHuman.contains("Lịch sử tại trạm này:") && recalledHuman.contains("holding (recalled · nhiễm nấm mốc)"),
                "\(recalledHuman)")

        // Server gone: the local verdict stands, with a clear note.
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        let (s3, offline) = try station.run(["verify", "--json", station.label(2)], extra: online)
        Self.noCrash(s3, offline)
        #expect(s3 == 2, "\(offline)")
        let fallback = try #require(try Self.photos(offline).first?.codes.first)
        #expect(fallback.verdict?.kind == "recalled" && fallback.server == nil)
        #expect(fallback.serverNote?.contains(url) == true, "\(String(describing: fallback.serverNote))")
        let (_, human2) = try station.run(["verify", station.label(2)], extra: online)
        #expect(human2.contains("chỉ dựa vào dữ liệu của trạm này"))

        // --online without a server is a configuration error.
        let (s4, noServer) = try station.run(["verify", "--online", station.label(2)])
        #expect(s4 == 78 && noServer.contains("server.url"), "\(noServer)")
    }

    static func runServer(_ args: [String], dataDir: URL) throws -> String {
        let p = try StationProcess(arguments: args, dataDir: dataDir, executable: traceServer)
        _ = p.waitForExit(timeout: 60)
        return p.log
    }

    static func waitForPort(_ file: URL, process: Process) throws -> Int {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning {
            if let s = try? String(contentsOf: file, encoding: .utf8), let p = Int(s.trimmingCharacters(in: .whitespacesAndNewlines)) { return p }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("trace-server did not start listening")
    }
}
