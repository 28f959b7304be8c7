import Foundation
import Testing
@testable import Station

/// A bad configuration names the key, the file, the line and what was expected.
@Suite struct ConfigTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func write(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("station-config-\(UUID().uuidString).toml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func embeddedDefaultFileMatchesBuiltInDefaults() throws {
        let file = Self.packageRoot.appendingPathComponent("Config/station.toml").path
        let fromFile = try ConfigLoader().load(file: file)
        let builtIn = try ConfigLoader().load(file: nil)
        for (key, value) in builtIn.values {
            // The documented file and the code agree on every default, except the station's human name.
            if key == "station.name" { continue }
            #expect(fromFile.values[key] == value, "\(key): file says \(String(describing: fromFile.values[key])), code says \(value)")
        }
        let c = StationConfig(fromFile)
        #expect(c.printers.map(\.name) == ["line1"])
        #expect(c.printers.first?.driver == .virtual)
        #expect(c.scanners.first?.source == .stdin)
        #expect(c.webHost == "127.0.0.1")
    }

    @Test func wrongTypeNamesKeyFileLineAndExpectation() throws {
        let path = try write("""
        [station]
        id = "X1"

        [web]
        host = "127.0.0.1"
        port = "eighty"
        """)
        let error = try #require(throws: ConfigError.self) { try ConfigLoader().load(file: path) }
        #expect(error.key == "web.port")
        #expect(error.source == .file(path: path, line: 6))
        #expect(error.problem == .invalidValue(expected: "an integer from 0 to 65535", found: "\"eighty\""))
        #expect(error.description == "\(path):6: web.port = \"eighty\": expected an integer from 0 to 65535")
    }

    @Test func outOfRangeAndBadEnumAndBadGLNAreRejected() throws {
        let cases: [(String, String, Int, String)] = [
            ("[web]\nport = 70000", "web.port", 2, "an integer from 0 to 65535"),
            ("[log]\nlevel = \"loud\"", "log.level", 2, "one of \"trace\", \"debug\", \"info\", \"notice\", \"warning\", \"error\", \"critical\""),
            ("[station]\n\n gln = \"8938512340006\"", "station.gln", 3, "a 13-digit GLN with a valid check digit (e.g. \"8938512340005\")"),
            ("[station]\nutc_offset = \"7\"", "station.utc_offset", 2, "a UTC offset like \"+07:00\""),
            ("[printers.a]\ndriver = \"virtual\"\ndpi = 50", "printers.a.dpi", 3, "an integer from 100 to 600"),
            ("[server]\nurl = \"ftp://x\"", "server.url", 2, "an http:// or https:// URL, or \"\" for none"),
        ]
        for (text, key, line, expected) in cases {
            let path = try write(text)
            let error = try #require(throws: ConfigError.self) { try ConfigLoader().load(file: path) }
            #expect(error.key == key)
            #expect(error.source == .file(path: path, line: line))
            guard case .invalidValue(let e, _) = error.problem else { Issue.record("\(key): \(error.problem)"); continue }
            #expect(e == expected)
        }
    }

    @Test func unknownKeyIsAnErrorWithASuggestion() throws {
        let path = try write("[web]\nprot = 8080\n")
        let error = try #require(throws: ConfigError.self) { try ConfigLoader().load(file: path) }
        #expect(error.key == "web.prot")
        #expect(error.problem == .unknownKey(suggestion: "web.port"))
        #expect(error.source == .file(path: path, line: 2))
    }

    @Test func syntaxErrorGivesTheLine() throws {
        let path = try write("[web]\nport = 8080\nhost = \"unterminated\n")
        let error = try #require(throws: ConfigError.self) { try ConfigLoader().load(file: path) }
        guard case .syntax = error.problem else { Issue.record("expected a syntax error, got \(error)"); return }
        #expect(error.source == .file(path: path, line: 3))
    }

    @Test func deviceTableWithoutRequiredDriverIsRejected() throws {
        let path = try write("[printers.p2]\ndpi = 300\n")
        let error = try #require(throws: ConfigError.self) { try ConfigLoader().load(file: path) }
        #expect(error.key == "printers.p2.driver")
        #expect(error.problem == .missingRequired(expected: "one of \"virtual\", \"tcp\", \"usb\", \"file\""))
    }

    @Test func environmentOverridesFileAndFlagsOverrideEnvironment() throws {
        let path = try write("[web]\nport = 8081\n[printers.line1]\ndriver = \"virtual\"\n")
        let env = ["STATION_WEB_PORT": "9001", "STATION_PRINTERS_LINE1_DPI": "300", "STATION_LOG_LEVEL": "debug"]
        let c = try ConfigLoader().load(file: path, environment: env, overrides: ["log.level=error"])
        #expect(c.int("web.port") == 9001)
        #expect(c.sources["web.port"] == .environment(name: "STATION_WEB_PORT"))
        #expect(c.int("printers.line1.dpi") == 300)
        #expect(c.string("log.level") == "error")
        #expect(c.sources["log.level"] == .flag("--set log.level=error"))
    }

    @Test func badEnvironmentValueNamesTheVariable() throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader().load(file: nil, environment: ["STATION_WEB_PORT": "http"])
        }
        #expect(error.source == .environment(name: "STATION_WEB_PORT"))
        #expect(error.description == "environment variable STATION_WEB_PORT: web.port = \"http\": expected an integer from 0 to 65535")
    }

    @Test func badFlagNamesTheFlag() throws {
        let error = try #require(throws: ConfigError.self) { try ConfigLoader().load(file: nil, overrides: ["web.host="]) }
        #expect(error.source == .flag("--set web.host="))
        #expect(try #require(throws: ConfigError.self) { try ConfigLoader().load(file: nil, overrides: ["nonsense"]) }.key == "nonsense")
    }

    @Test func missingFileIsReported() throws {
        let error = try #require(throws: ConfigError.self) { try ConfigLoader().load(file: "/nonexistent/station.toml") }
        guard case .unreadable = error.problem else { Issue.record("\(error)"); return }
    }
}
