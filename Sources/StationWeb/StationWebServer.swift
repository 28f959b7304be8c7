import Devices
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import NIOCore
import Station

/// The station's local HTTP API and operator pages, bound to loopback unless configured otherwise.
public enum StationWebServer {
    /// Builds the web application as a service. When it is listening, the real port is written to
    /// `<data dir>/web.port` (useful with `web.port = 0`) and passed to `onListening`.
    public static func make(core: StationCore, logger: Logger,
                            onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some Service {
        let router = Router()
        router.add(middleware: LogRequestsMiddleware(.debug))
        routes(router, core: core)
        let portFile = core.config.dataDirectory.appendingPathComponent("web.port")
        return Application(
            router: router,
            configuration: .init(address: .hostname(core.config.webHost, port: core.config.webPort), serverName: "station"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? core.config.webPort
                try? Data("\(port)\n".utf8).write(to: portFile, options: .atomic)
                logger.info("web UI and API listening", metadata: ["url": "http://\(core.config.webHost):\(port)/"])
                await onListening(port)
            },
            logger: logger
        )
    }

    static func routes(_ router: Router<BasicRequestContext>, core: StationCore) {
        router.get("/health") { _, _ -> HealthResponse in
            HealthResponse(status: "ok", station: core.config.stationID,
                           uptimeSeconds: Int(Date().timeIntervalSince(core.startedAt)))
        }
        CatalogRoutes.add(to: router, core: core)
        router.get("/api/status") { _, _ -> StatusResponse in
            try await StatusResponse(core: core)
        }
        router.get("/") { _, _ -> HTMLPage in
            let status = try await StatusResponse(core: core)
            return HTMLPage(title: "Trạm truy xuất nguồn gốc — \(core.config.stationName)", body: statusHTML(status))
        }
    }

    static func statusHTML(_ s: StatusResponse) -> String {
        let printers = s.printers.map { p in
            "<tr><td>\(escapeHTML(p.name))</td><td>\(p.language.uppercased())</td><td>\(p.dpi) dpi</td><td class=\"\(p.condition == "ready" ? "ok" : "bad")\">\(escapeHTML(p.conditionText))</td></tr>"
        }.joined()
        return """
        <h1>\(escapeHTML(s.stationName))</h1>
        <p>Mã trạm: <b>\(escapeHTML(s.stationID))</b> · GLN \(escapeHTML(s.gln)) · điểm đọc \(escapeHTML(s.readPoint))</p>
        <h2>Máy in</h2><table>\(printers)</table>
        <h2>Hoạt động</h2><p>Tem đã in: <b>\(s.labelsPrinted)</b> · Lượt quét: <b>\(s.scans)</b></p>
        """
    }
}

struct HealthResponse: ResponseCodable {
    let status: String
    let station: String
    let uptimeSeconds: Int
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

/// A small HTML page in the station's style.
struct HTMLPage: ResponseGenerator {
    let title: String
    let body: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let html = """
        <!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>\(escapeHTML(title))</title>
        <style>body{font-family:system-ui,sans-serif;margin:1.5rem;font-size:1.2rem}td{padding:.3rem .8rem}.ok{color:#070}.bad{color:#b00;font-weight:bold}</style>
        </head><body>\(body)</body></html>
        """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
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
