import Devices
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import NIOCore
import Station

/// The station's local HTTP API and operator pages, bound to loopback unless configured otherwise.
public enum StationWebServer {
    /// Builds the web application as a service: the HTTP server, the print job runner and the live
    /// feed. When it is listening, the real port is written to `<data dir>/web.port` (useful with
    /// `web.port = 0`) and passed to `onListening`. Throws when the operator credentials cannot be
    /// prepared (see ``OperatorAuth/prepare(config:logger:)``).
    public static func make(core: StationCore, logger: Logger,
                            onListening: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some Service {
        let auth = try OperatorAuth.prepare(config: core.config, logger: logger)
        let hub = LiveHub()
        let runner = JobRunner(core: core, hub: hub)
        let app = application(core: core, auth: auth, hub: hub, runner: runner, logger: logger, onListening: onListening)
        return StationWebService(app: app, hub: hub)
    }

    static func application(core: StationCore, auth: OperatorAuth, hub: LiveHub, runner: JobRunner, logger: Logger,
                            onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: LogRequestsMiddleware(.debug))
        routes(router, core: core, auth: auth, runner: runner, hub: hub)
        let portFile = core.config.dataDirectory.appendingPathComponent("web.port")
        return Application(
            router: router,
            configuration: .init(address: .hostname(core.config.webHost, port: core.config.webPort), serverName: "station"),
            services: [JobRunnerService(runner: runner), LiveFeedService(core: core, hub: hub, runner: runner, logger: logger)],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? core.config.webPort
                try? Data("\(port)\n".utf8).write(to: portFile, options: .atomic)
                logger.info("web UI and API listening", metadata: ["url": "http://\(core.config.webHost):\(port)/"])
                await onListening(port)
            },
            logger: logger
        )
    }

    static func routes(_ router: Router<BasicRequestContext>, core: StationCore, auth: OperatorAuth, runner: JobRunner, hub: LiveHub) {
        // Every /api/ route below needs the operator's PIN session or token; /health and the page do not.
        router.add(middleware: OperatorAuthMiddleware(auth: auth))
        router.get("/health") { _, _ in try await HealthResponse.response(core: core) }
        MetricsRoutes.add(to: router, core: core)
        LoginRoutes.add(to: router, core: core, auth: auth)
        CatalogRoutes.add(to: router, core: core)
        OperatorRoutes.add(to: router, core: core, runner: runner, hub: hub)
        router.get("/api/status") { _, _ -> StatusResponse in
            try await StatusResponse(core: core)
        }
        WebUI.add(to: router, core: core)
    }
}

/// The web application plus the live hub: on graceful shutdown the hub closes first, so open
/// event streams end and the server can finish.
struct StationWebService<App: ApplicationProtocol>: Service {
    let app: App
    let hub: LiveHub

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await app.run()
        } onGracefulShutdown: {
            hub.close()
        }
    }
}

struct StatusResponse: ResponseCodable {
    struct PrinterInfo: Codable {
        let name: String
        let language: String
        let dpi: Int
        let condition: String
        let conditionText: String
    }
    let stationID: String
    let stationName: String
    let gln: String
    let readPoint: String
    let printers: [PrinterInfo]
    let labelsPrinted: Int
    let scans: Int

    init(core: StationCore) async throws {
        stationID = core.config.stationID
        stationName = core.config.stationName
        gln = core.config.gln
        readPoint = core.config.readPoint
        var list: [PrinterInfo] = []
        for (name, p) in core.printers.sorted(by: { $0.key < $1.key }) {
            let st = (try? await p.status()) ?? PrinterStatus(condition: .unknown)
            list.append(PrinterInfo(name: name, language: p.language.rawValue, dpi: p.dpi,
                                    condition: st.condition.rawValue, conditionText: st.condition.vietnamese))
        }
        printers = list
        labelsPrinted = try core.printCount()
        scans = try core.scanCount()
    }
}

/// Escapes text for HTML element content and attribute values.
public func escapeHTML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
