@testable import GS1
import Foundation
import Testing

/// Locates the independent GS1 validator `gs1check` (biip behind a small script) that the station
/// keeps in `shared/oracles`, outside this package.
enum Oracle {
    /// `$STATION_ORACLES_DIR`, else `<package root>/../shared/oracles`; `nil` if `gs1check` is not there.
    static let directory: URL? = {
        let fileManager = FileManager.default
        var candidates: [URL] = []
        if let configured = ProcessInfo.processInfo.environment["STATION_ORACLES_DIR"], !configured.isEmpty {
            candidates.append(URL(fileURLWithPath: configured, isDirectory: true))
        }
        // #filePath is <package root>/Tests/GS1Tests/OracleTests.swift.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.deletingLastPathComponent().appendingPathComponent("shared/oracles", isDirectory: true))
        return candidates.first { fileManager.isExecutableFile(atPath: $0.appendingPathComponent("gs1check").path) }
    }()

    struct Verdict: Decodable {
        let input: String
        let ok: Bool
        let elements: [String: String]
        let errors: [String]
    }

    /// Runs `gs1check` once over all inputs; one verdict per input, in order.
    static func check(_ inputs: [String], in directory: URL) throws -> [Verdict] {
        let process = Process()
        process.executableURL = directory.appendingPathComponent("gs1check")
        process.arguments = inputs
        let output = Pipe()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("gs1check-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw OracleFailure(message: "cannot create \(log.path) for gs1check's diagnostics")
        }
        defer { try? FileManager.default.removeItem(at: log) }
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // Exit status 1 only means "some input was invalid", which the vectors intend.
        guard process.terminationStatus == 0 || process.terminationStatus == 1 else {
            let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw OracleFailure(message: "gs1check exited with \(process.terminationStatus): \(stderr)")
        }
        let decoder = JSONDecoder()
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
            try decoder.decode(Verdict.self, from: Data(line.utf8))
        }
    }

    struct OracleFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

@Suite("Cross-check against the independent biip oracle (shared/oracles/gs1check)")
struct OracleTests {
    struct Vector: Sendable {
        let input: String
        /// Our verdict, per the GS1 standards.
        let valid: Bool
        /// Why biip 5.2.0 disagrees with the standards (and so with us) on this vector, if it does.
        let biipDiffers: String?

        init(_ input: String, valid: Bool, biipDiffers: String? = nil) {
            self.input = input
            self.valid = valid
            self.biipDiffers = biipDiffers
        }
    }

    static let vectors: [Vector] = [
        // Valid element strings, GS-separated (real GS bytes) and bracketed.
        Vector("(01)09506000134352(10)ABC123", valid: true),
        Vector("0109506000134352" + "10ABC123" + GS + "2112345", valid: true),
        Vector("]d2" + "0108938512345017" + "17260331" + "10MD250314A", valid: true),
        Vector("]C1" + "0109506000134352" + "17180426" + "10ABC" + GS + "21XYZ", valid: true),
        Vector("]Q3" + "0108938512345017" + "11250314" + "10LOT-7", valid: true),
        Vector("]e0" + "0109506000134352" + "3103000195", valid: true),
        Vector(GS + "0109506000134352" + GS + "10ABC", valid: true),
        Vector("(01)08938512345017(7007)250301", valid: true),
        Vector("(01)08938512345017(17)250200", valid: true),
        Vector("(00)106141412345678908", valid: true),
        Vector("0108938512345017" + "422704", valid: true),
        Vector("(01)09506000134352(11)250200(10)L1", valid: true),
        Vector("(01)09506000134352(8008)2503141530", valid: true),
        // Valid Digital Links.
        Vector("https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=180426", valid: true),
        Vector("https://example.vn/dl/01/08938512345017/10/MD250314A?17=260331&11=250314", valid: true),
        Vector("https://id.gs1.org/01/09506000134352/21/A%2FB%3FC%25D%26E", valid: true),
        Vector("https://id.gs1.org/01/4006381333931", valid: true),
        Vector("https://id.gs1.org/00/106141412345678908?02=00614141123452&37=25&10=ABC123", valid: true),
        Vector("https://id.gs1.org/414/8935049500018/254/KHO-1", valid: true),
        Vector("https://id.gs1.org/01/08938512345017?17=260331&utm_source=label", valid: true),
        Vector("https://id.gs1.org/01/09506000134352/21/A+B", valid: true),
        // Invalid: check digits, lengths, dates, character set, unknown AI, Digital Link structure.
        Vector("(01)09506000134353", valid: false),
        Vector("(01)8934588012228", valid: false),
        Vector("(01)09506000134352(10)ABCDEFGHIJKLMNOPQRSTUVW", valid: false),
        Vector("(01)09506000134352(17)250230", valid: false),
        Vector("(01)09506000134352(17)251301", valid: false),
        Vector("(01)09506000134352(10)AB#C", valid: false),
        Vector("0109506000134352" + GS + "23ABC", valid: false),
        Vector("https://id.gs1.org/01/09506000134352/21/12345/10/ABC", valid: false),
        Vector("https://id.gs1.org/01/09506000134353", valid: false),
        Vector("https://example.com/products/123", valid: false),
        Vector("(414)8935049500015", valid: false),
        Vector("00106141412345678907", valid: false),
        // Deliberate differences, each checked against the standards:
        Vector("(21)12345", valid: false,
               biipDiffers: "GenSpecs §4.14.2: a serial (21) must be accompanied by GTIN (01) or ITIP (8006); biip does not check AI associations"),
        Vector("(01)09506000134352(7007)250301250315", valid: true,
               biipDiffers: "GenSpecs §3.2: AI 7007 is N6 [+N6], a harvest date range; biip reads the second date as a time and fails on 'hour' 25"),
        Vector("https://id.gs1.org/01/09506000134352?10=ABC", valid: false,
               biipDiffers: "Digital Link URI syntax: a key qualifier of the primary key belongs in the path, as the GS1 Barcode Syntax Engine enforces; biip accepts it as a query attribute"),
        Vector("https://id.gs1.org/01/09506000134352?17=180426&17=180427", valid: false,
               biipDiffers: "an AI may carry only one value (the GS1 Barcode Syntax Engine rejects duplicate query AIs); biip silently keeps the last"),
        Vector("https://id.gs1.org/01/09506000134352?99999=1", valid: false,
               biipDiffers: "all-digit query names are AIs; 99999 is none (the GS1 Barcode Syntax Engine rejects it); biip ignores it"),
        Vector("(01)09506000134352(999)X", valid: false,
               biipDiffers: "999 is not an AI; gs1check's bracket normaliser drops the brackets, so biip reads AI 99 with value '9X' — an oracle-script artifact"),
        Vector("https://example.com/gtin/09506000134352/lot/ABC", valid: true,
               biipDiffers: "we accept the Digital Link 1.1 convenience short names (deprecated, still printed on older labels); biip reads only numeric AIs"),
    ]

    /// Our own verdict: the parser a station would use for each input form.
    static func ours(_ input: String) -> (ok: Bool, elements: [String: String]) {
        do {
            let elements = input.lowercased().hasPrefix("http")
                ? try DigitalLink(parsing: input).elements
                : try GS1Message(parsing: input).elements
            return (true, Dictionary(elements.map { ($0.ai, $0.value) }, uniquingKeysWith: { _, last in last }))
        } catch {
            return (false, [:])
        }
    }

    // Skipped (reported as skipped, never silently passed) when the station's shared oracles are
    // not next to this package and STATION_ORACLES_DIR does not point to them. The first run
    // installs the oracle's Python virtualenv, hence the generous time limit.
    @Test("Our verdicts and values agree with biip, except where documented",
          .enabled(if: Oracle.directory != nil, "gs1check not found in $STATION_ORACLES_DIR or <package root>/../shared/oracles"),
          .timeLimit(.minutes(10)))
    func crossCheck() throws {
        let directory = try #require(Oracle.directory)
        let verdicts = try Oracle.check(OracleTests.vectors.map(\.input), in: directory)
        try #require(verdicts.count == OracleTests.vectors.count, "gs1check printed \(verdicts.count) lines for \(OracleTests.vectors.count) inputs")
        for (vector, oracle) in zip(OracleTests.vectors, verdicts) {
            let shown = vector.input.replacingGroupSeparators()
            #expect(oracle.input == vector.input, "gs1check answered for a different input than \(shown)")
            let mine = OracleTests.ours(vector.input)
            #expect(mine.ok == vector.valid, "\(shown): we said \(mine.ok ? "valid" : "invalid")")
            if let reason = vector.biipDiffers {
                #expect(oracle.ok != mine.ok, "\(shown): biip now agrees with us; remove the documented difference (\(reason))")
                continue
            }
            #expect(oracle.ok == mine.ok, "\(shown): biip says \(oracle.ok ? "valid" : "invalid") \(oracle.errors)")
            if oracle.ok && mine.ok {
                #expect(oracle.elements == mine.elements, "\(shown): element values differ")
            }
        }
    }
}
