import Foundation
import Hummingbird
import HummingbirdTesting
import Station
import Testing
@testable import StationWeb

@Suite("Operator credential") struct AuthTests {
    /// Every /api route needs the credential; /health and the page do not.
    @Test func apiRoutesAnswer401WithoutTheCredentialAnd200WithIt() async throws {
        let h = try WebHarness.make()
        try await h.run { client in
            for path in ["/api/products", "/api/batches", "/api/jobs", "/api/printers", "/api/scans", "/api/sync", "/api/status",
                         "/api/session", "/api/openapi.yaml"] {
                try await client.execute(uri: path, method: .get) { r in
                    #expect(r.status == .unauthorized, "\(path) without a credential")
                    #expect(String(buffer: r.body).contains("PIN"))
                }
                try await client.execute(uri: path, method: .get, headers: h.bearer) { r in
                    #expect(r.status == .ok, "\(path) with the token: \(String(buffer: r.body))")
                }
            }
            var wrong = HTTPFields()
            wrong[.authorization] = "Bearer " + String(repeating: "0", count: 64)
            try await client.execute(uri: "/api/jobs", method: .get, headers: wrong) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/api/jobs", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"batch":"X","count":1}"#)) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/health", method: .get) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/", method: .get) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains("<script src=\"/app.js\""))
            }
        }
    }

    @Test func pinLoginGivesASessionCookieThatOpensTheAPIUntilLogout() async throws {
        let h = try WebHarness.make()
        try await h.run { client in
            let json: HTTPFields = [.contentType: "application/json"]
            try await client.execute(uri: "/api/login", method: .post, headers: json, body: ByteBuffer(string: #"{"pin":"111111"}"#)) { r in
                #expect(r.status == .unauthorized)
                #expect(r.headers[.setCookie] == nil)
            }
            let cookie = try await client.execute(uri: "/api/login", method: .post, headers: json,
                                                  body: ByteBuffer(string: #"{"pin":"\#(WebHarness.pin)"}"#)) { r -> String in
                #expect(r.status == .ok)
                let set = try #require(r.headers[.setCookie])
                #expect(set.contains("HttpOnly"))
                #expect(set.contains("SameSite=Strict"))
                return String(set.split(separator: ";")[0])
            }
            try await client.execute(uri: "/api/jobs", method: .get, headers: [.cookie: cookie]) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/api/logout", method: .post, headers: [.cookie: cookie]) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/api/jobs", method: .get, headers: [.cookie: cookie]) { r in #expect(r.status == .unauthorized) }
        }
    }

    @Test func webPinMustBeDigitsOrAHash() throws {
        for good in ["", "2468", "123456789012", "sha256:" + String(repeating: "ab", count: 32)] {
            #expect(throws: Never.self) { try StationConfig.load(file: nil, environment: [:], overrides: ["web.pin=\(good)"]) }
        }
        for bad in ["123", "12ab", "1234567890123", "sha256:abc"] {
            let e = try #require(throws: ConfigError.self) { try StationConfig.load(file: nil, environment: [:], overrides: ["web.pin=\(bad)"]) }
            #expect("\(e)".contains("4 to 12 digits"), "\(e)")
        }
        let hashed = try StationConfig.load(file: nil, environment: [:],
                                            overrides: ["web.pin=sha256:" + OperatorAuth.digest("97531").map { String(format: "%02x", $0) }.joined(),
                                                        "data.dir=\(FileManager.default.temporaryDirectory.appendingPathComponent("station-web-\(UUID().uuidString)").path)"])
        let auth = try OperatorAuth.prepare(config: hashed, logger: .init(label: "test"))
        #expect(auth.login(pin: "97530") == .wrongPIN)
        guard case .session = auth.login(pin: "97531") else { Issue.record("the PIN behind the configured hash opens a session"); return }
    }

    @Test func fiveWrongPINsLockTheLogin() {
        let auth = OperatorAuth(pinDigest: OperatorAuth.digest("2468"), tokenDigest: OperatorAuth.digest("t"))
        let now = Date()
        for _ in 0..<5 { #expect(auth.login(pin: "0000", now: now) == .wrongPIN) }
        #expect(auth.login(pin: "2468", now: now.addingTimeInterval(1)) == .locked(seconds: 29))
        guard case .session = auth.login(pin: "2468", now: now.addingTimeInterval(31)) else {
            Issue.record("the right PIN opens a session once the lock has passed")
            return
        }
    }

    @Test func generatedPINAndTokenFilesAreMode0600AndReused() throws {
        let h = try WebHarness.make(pin: "")
        let pinFile = OperatorAuth.pinFile(h.core.config)
        let pin = try String(contentsOf: pinFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(pin.count == 6 && pin.allSatisfy(\.isNumber))
        for f in [pinFile, OperatorAuth.tokenFile(h.core.config)] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: f.path)[.posixPermissions] as? Int)
            #expect(mode == 0o600, "\(f.path)")
        }
        let again = try OperatorAuth.prepare(config: h.core.config, logger: .init(label: "test"))
        guard case .session = again.login(pin: pin) else { Issue.record("the PIN in web.pin opens a session"); return }
        #expect(again.isValid(token: h.token))
        chmod(pinFile.path, 0o644)
        #expect(throws: OperatorAuthError.self) { try OperatorAuth.prepare(config: h.core.config, logger: .init(label: "test")) }
    }
}
