import Foundation
import Testing

/// The stamp secrets and the operator token: files only their owner can read, and never a log
/// line, even at trace level, whatever form (hex, base64, base64url) a leak would take.
@Suite(.serialized)
struct KeySecurityTests {
    struct RingFile: Decodable {
        struct Key: Decodable { let secret: String }
        let serialSecret: String
        let tagKeys: [Key]
    }

    /// Every spelling of `base64` secret bytes a careless log line could carry.
    static func spellings(ofBase64 text: String) throws -> [String] {
        let bytes = try #require(Data(base64Encoded: text))
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let url = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        // The bytes as Swift prints an array, e.g. "[12, 200, ...]": the first eight are enough.
        let array = "[" + bytes.prefix(8).map(String.init).joined(separator: ", ")
        // As JSON writes it, with "/" escaped ("\/"), the way the ring file itself holds it.
        let json = text.replacingOccurrences(of: "/", with: "\\/")
        return [text, json, url, hex, hex.uppercased(), array]
    }

    static func mode(_ url: URL) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
    }

    @Test func secretsAreFilesOnlyTheOwnerReadsAndNeverLogged() throws {
        try #require(StationProcess.binaryExists)
        let dir = StationProcess.temporaryDirectory().appendingPathComponent("data")
        var output = ""
        func station(_ arguments: [String]) throws {
            let p = try StationProcess(arguments: arguments + ["--config", DoctorTests.config, "--data-dir", dir.path, "--log-level", "trace"], dataDir: dir)
            try? p.stdin.fileHandleForWriting.close()
            let status = p.waitForExit(timeout: 60)
            output += p.log
            #expect(status == 0, "station \(arguments.joined(separator: " ")): \(p.log)")
        }
        try station(["product", "add", "--gtin", "8938512345017", "--name", "Miến dong", "--producer", "HTX Na Rì", "--producer-gln", "8938512340005", "--shelf-life-days", "364"])
        try station(["batch", "create", "--product", "8938512345017", "--lot", "MD250314A", "--produced", "2025-03-14", "--quantity", "50"])
        try station(["print", "--batch", "MD250314A", "--count", "3"])
        try station(["keys", "rotate"])
        try station(["keys", "show"])

        // The daemon at trace level: start (creates web.pin and web.token), a scan, an API call, stop.
        let daemon = try StationProcess(arguments: ["run", "--config", DoctorTests.config, "--data-dir", dir.path, "--port", "0", "--log-level", "trace"], dataDir: dir)
        let port = try daemon.waitForPort()
        let token = try daemon.apiToken()
        daemon.stdin.fileHandleForWriting.write(Data("https://txng.backan.gov.vn/01/08938512345017/21/AAAAAAAAAA?92=A1234567\n".utf8))
        let (status, _) = try StationProcess.httpGet(port: port, path: "/api/status", token: token)
        #expect(status == 200)
        _ = try StationProcess.httpGet(port: port, path: "/metrics")
        kill(daemon.process.processIdentifier, SIGTERM)
        #expect(daemon.waitForExit(timeout: 20) == 0)
        output += daemon.log
        #expect(output.contains("trace") || output.contains("TRACE") || output.contains("DEBUG"), "the commands did not log at trace/debug level")

        // Files: the ring and its folder, the operator PIN and token.
        let ringURL = dir.appendingPathComponent("keys/keyring.json")
        #expect(try Self.mode(ringURL) == 0o600)
        #expect(try Self.mode(dir.appendingPathComponent("keys")) & 0o077 == 0)
        #expect(try Self.mode(dir.appendingPathComponent("web.token")) == 0o600)
        #expect(try Self.mode(dir.appendingPathComponent("web.pin")) == 0o600)

        let ring = try JSONDecoder().decode(RingFile.self, from: Data(contentsOf: ringURL))
        #expect(ring.tagKeys.count == 2, "keys rotate should have added a second tag key")
        var secrets = try Self.spellings(ofBase64: ring.serialSecret)
        for k in ring.tagKeys { secrets += try Self.spellings(ofBase64: k.secret) }
        secrets.append(token)
        for s in secrets {
            #expect(!output.contains(s), "a secret appears in the logs: \(s.prefix(6))…")
        }
        // The check itself sees the secrets where they are: in the ring file.
        let ringText = try String(contentsOf: ringURL, encoding: .utf8)
        #expect(try Self.spellings(ofBase64: ring.serialSecret).contains { ringText.contains($0) })
    }
}
