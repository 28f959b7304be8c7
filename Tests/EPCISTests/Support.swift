import EPCIS
import Foundation

/// Access to `Tests/EPCISTests/Fixtures` (copied into the test bundle).
enum Fixtures {
    static var root: URL {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("Fixtures folder missing from the test bundle; check resources: [.copy(\"Fixtures\")]")
        }
        return url
    }

    static func data(_ relativePath: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(relativePath))
    }

    static func text(_ relativePath: String) throws -> String {
        String(decoding: try data(relativePath), as: UTF8.self)
    }

    /// The vector documents, `vectors/NN-name.json`, in name order.
    static var vectorDocuments: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("vectors").path)) ?? []
        return names.filter { $0.hasSuffix(".json") && $0 != "manifest.json" }.sorted()
    }

    static func manifest() throws -> VectorManifest {
        try JSONDecoder().decode(VectorManifest.self, from: data("vectors/manifest.json"))
    }
}

/// `vectors/manifest.json`: where this module knowingly differs from the oracle, and
/// externally published hash IDs.
struct VectorManifest: Decodable {
    struct Deviation: Decodable {
        var file: String
        var eventIndex: Int
        var reason: String
        var oracleFragment: String
        var specFragment: String
        var specPreHash: String
        var specID: String
    }

    struct Published: Decodable {
        var file: String
        var eventIndex: Int
        var id: String
        var source: String
    }

    var deviations: [Deviation]
    var published: [Published]

    func deviation(file: String, eventIndex: Int) -> Deviation? {
        deviations.first { $0.file == file && $0.eventIndex == eventIndex }
    }
}

/// Output of `epcis-hash --prehash`: every event's id, then every event's pre-hash string.
struct OracleOutput: Equatable {
    var ids: [String]
    var preHashes: [String]

    init(_ text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        ids = lines.filter { $0.hasPrefix("ni:///") }
        preHashes = lines.filter { $0.hasPrefix("eventType=") }
    }
}

/// Finds `shared/oracles` (the independent checking tools) if this machine has them.
enum OracleLocator {
    static let directory: URL? = {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["STATION_ORACLES_DIR"], !env.isEmpty { candidates.append(env) }
        candidates.append("/work/shared/oracles")
        // <package root>/Tests/EPCISTests/Support.swift → <package root>/../shared/oracles
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.deletingLastPathComponent().appendingPathComponent("shared/oracles").path)
        return candidates.lazy
            .map { URL(fileURLWithPath: $0) }
            .first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("epcis-hash").path) }
    }()
}

extension Data {
    var utf8String: String { String(decoding: self, as: UTF8.self) }
}

/// A fixed instant: 2025-03-14T09:15:02.481+07:00.
let missionTime = Date(timeIntervalSince1970: 1_741_918_502.481)

/// The MISSION sample event, built through the public API.
let missionEvent = EPCISEvent.object(ObjectEvent(
    eventTime: missionTime,
    eventTimeZoneOffset: .vietnam,
    epcList: ["https://id.gs1.org/01/08938512345017/21/K7QM2X9PA4"],
    action: .add,
    bizStep: .commissioning,
    disposition: .active,
    readPoint: "https://id.gs1.org/414/8938512340005/254/LINE01",
    bizLocation: "https://id.gs1.org/414/8938512340005",
    ilmd: ILMD(lotNumber: "MD250314A", itemExpirationDate: "2026-03-13")
))

/// The MISSION sample, byte for byte.
let missionGoldenJSON = #"{"type":"ObjectEvent","eventTime":"2025-03-14T09:15:02.481+07:00","eventTimeZoneOffset":"+07:00","epcList":["https://id.gs1.org/01/08938512345017/21/K7QM2X9PA4"],"action":"ADD","bizStep":"commissioning","disposition":"active","readPoint":{"id":"https://id.gs1.org/414/8938512340005/254/LINE01"},"bizLocation":{"id":"https://id.gs1.org/414/8938512340005"},"ilmd":{"cbvmda:lotNumber":"MD250314A","cbvmda:itemExpirationDate":"2026-03-13"}}"#
