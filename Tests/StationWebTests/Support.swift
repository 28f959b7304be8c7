import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Station
import Testing
import Trace
@testable import StationWeb

/// A station on a fresh data directory (virtual printer, the package's templates) with its web
/// application, as the daemon builds it.
struct WebHarness: Sendable {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let pin = "246810"

    let core: StationCore
    let auth: OperatorAuth
    let hub: LiveHub
    let runner: JobRunner
    let token: String
    let dataDirectory: URL

    /// A station with its own data directory, or `directory` (another harness's, to reopen that
    /// station with other settings); `overrides` are extra `key=value` settings.
    static func make(pin: String = WebHarness.pin, window: Int = 5, directory: URL? = nil, overrides: [String] = []) throws -> WebHarness {
        let dir = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("station-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config = try StationConfig.load(
            file: packageRoot.appendingPathComponent("Config/station.toml").path, environment: [:],
            overrides: ["data.dir=\(dir.path)", "web.port=0", "web.pin=\(pin)", "jobs.window=\(window)",
                        "labels.templates_dir=\(packageRoot.appendingPathComponent("Config/templates").path)"] + overrides)
        let logger = Logger(label: "test.web")
        let core = try StationCore(config: config, logger: logger)
        let auth = try OperatorAuth.prepare(config: config, logger: logger)
        let token = try String(contentsOf: OperatorAuth.tokenFile(config), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let hub = LiveHub()
        return WebHarness(core: core, auth: auth, hub: hub, runner: JobRunner(core: core, hub: hub, logger: logger), token: token,
                          dataDirectory: dir)
    }

    func run<T: Sendable>(_ framework: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let app = StationWebServer.application(core: core, auth: auth, hub: hub, runner: runner, logger: Logger(label: "test.web"))
        return try await app.test(framework, body)
    }

    var bearer: HTTPFields {
        var h = HTTPFields()
        h[.authorization] = "Bearer \(token)"
        return h
    }

    var jsonBearer: HTTPFields {
        var h = bearer
        h[.contentType] = "application/json"
        return h
    }

    /// A product and an open batch of it (lot `lot`).
    func seedBatch(lot: String = "MD250314A") throws {
        let catalog = core.trace.catalog
        if (try? catalog.product(gtin: "08938512345017")) == nil {
            _ = try catalog.addProduct(Product(gtin: "8938512345017", name: "Miến dong Na Rì", producer: "HTX Miến dong Na Rì",
                                               producerAddress: "Na Rì, Bắc Kạn", producerGLN: "8938512340005", shelfLifeDays: 364))
        }
        _ = try catalog.createBatch(gtin: "08938512345017", lot: lot, productionDate: "2025-03-14", expiryDate: nil, plannedQuantity: 1000)
    }
}

func decodeJSON<T: Decodable>(_ type: T.Type, _ body: ByteBuffer) throws -> T {
    try JSONDecoder().decode(type, from: Data(body.readableBytesView))
}

func jsonObject(_ body: ByteBuffer) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
}
